import { Readable, type TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { zstdDecompress } from '../../../drivers/zstd.js';

export type Compression = 'gzip' | 'zstd' | 'none';
/** What an archive (a build context, ADD's local tars) may be compressed with, as Docker detects. */
export type ArchiveCompression = Compression | 'bzip2' | 'xz';

/**
 * gunzip's output chunks, and the bytes it holds on its input and its output side (16 KiB by
 * default; zlib passes stream options through, its typings omit them).
 */
const GUNZIP_OPTIONS: ZlibOptions & TransformOptions = { chunkSize: 256 * 1024, highWaterMark: 1024 * 1024 };

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const BZIP2 = Buffer.from('BZh', 'latin1');
const XZ = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

/** Which compression the first bytes of a blob announce (tar itself has no magic at 0). */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head.subarray(0, 2).equals(GZIP)) return 'gzip';
  if (head.length >= 4 && head.subarray(0, 4).equals(ZSTD)) return 'zstd';
  return 'none';
}

/** The same for an archive: bzip2 and xz too (layers are only ever gzip or zstd). */
export function sniffArchiveCompression(head: Buffer): ArchiveCompression {
  const layer = sniffCompression(head);
  if (layer !== 'none') return layer;
  if (head.length >= 3 && head.subarray(0, 3).equals(BZIP2)) return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(XZ)) return 'xz';
  return 'none';
}

/** gunzip of a stream, with 1 MiB buffered on both sides; an error of the input ends it. */
export function gunzipStream(input: Readable): Readable {
  // 1 MiB buffered on both sides (16 KiB by default): gunzip inflates ahead while the
  // reader writes files, instead of waiting for each chunk to be consumed (see TarReader).
  const gunzip = createGunzip(GUNZIP_OPTIONS);
  input.on('error', (err) => gunzip.destroy(err));
  return input.pipe(gunzip);
}

/**
 * The first `n` bytes of a stream (fewer if it ends first), and the stream that still starts
 * with them: the input itself, or, when it has ended meanwhile, a stream of those bytes.
 */
export async function peekStream(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const head = await peek(input, n);
  // An input shorter than n has ended by now: it is given back as it was read.
  const stream = input.readableEnded ? Readable.from(head.length ? [head] : []) : input;
  return { head, stream };
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
  const { head, stream } = await peekStream(input, 4);
  const compression = sniffCompression(head);
  if (compression === 'gzip') return { stream: gunzipStream(stream), compression };
  if (compression === 'zstd') return { stream: zstdDecompress(stream, signal), compression };
  return { stream, compression };
}
