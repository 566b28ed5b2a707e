import { Readable, type TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { zstdDecompress } from '../../../drivers/zstd.js';

export type Compression = 'gzip' | 'zstd' | 'none';

/**
 * gunzip's output chunks, and the bytes it holds on its input and its output side (16 KiB by
 * default; zlib passes stream options through, its typings omit them).
 */
const GUNZIP_OPTIONS: ZlibOptions & TransformOptions = { chunkSize: 256 * 1024, highWaterMark: 1024 * 1024 };

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Which compression the first bytes of a blob announce (tar itself has no magic at 0). */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head.subarray(0, 2).equals(GZIP)) return 'gzip';
  if (head.length >= 4 && head.subarray(0, 4).equals(ZSTD)) return 'zstd';
  return 'none';
}

/**
 * Reads the first `n` bytes of a stream (fewer if it ends first) and puts them back: the
 * same stream, paused, then starts with them (no extra stream or promise per chunk).
 */
async function peek(input: Readable, n: number): Promise<Buffer> {
  if (input.readableEnded) return Buffer.alloc(0);
  if (input.destroyed) throw input.errored ?? new Error('stream closed before its first bytes');
  const chunks: Buffer[] = [];
  let length = 0;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.off('close', onClose);
      input.pause();
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer | Uint8Array) => {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      chunks.push(buf);
      length += buf.length;
      if (length >= n) done();
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () =>
      done(input.readableEnded ? undefined : new Error('stream closed before its first bytes'));
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.once('close', onClose);
  });
  const head = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  if (head.length > 0 && !input.readableEnded) input.unshift(head);
  return head;
}

/**
 * Turns a layer blob (gzip, zstd or plain tar, told apart by its magic bytes, whatever the
 * media type claims) into the uncompressed tar stream.
 */
export async function decompressLayer(
  input: Readable,
  signal?: AbortSignal,
): Promise<{ stream: Readable; compression: Compression }> {
  const head = await peek(input, 4);
  // An empty or 1-3 byte input has ended by now: it is given back as it was read.
  const stream = input.readableEnded ? Readable.from(head.length ? [head] : []) : input;
  const compression = sniffCompression(head);
  if (compression === 'gzip') {
    // 1 MiB buffered on both sides (16 KiB by default): gunzip inflates ahead while the
    // reader writes files, instead of waiting for each chunk to be consumed (see TarReader).
    const gunzip = createGunzip(GUNZIP_OPTIONS);
    stream.on('error', (err) => gunzip.destroy(err));
    return { stream: stream.pipe(gunzip), compression };
  }
  if (compression === 'zstd') return { stream: zstdDecompress(stream, signal), compression };
  return { stream, compression };
}
