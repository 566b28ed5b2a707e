import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { zstdDecompress } from '../../../drivers/zstd.js';

export type Compression = 'gzip' | 'zstd' | 'none';

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Which compression the first bytes of a blob announce (tar itself has no magic at 0). */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head.subarray(0, 2).equals(GZIP)) return 'gzip';
  if (head.length >= 4 && head.subarray(0, 4).equals(ZSTD)) return 'zstd';
  return 'none';
}

/** Reads the first `n` bytes of a stream and gives back a stream that still starts with them. */
async function peek(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let length = 0;
  const iterator = input[Symbol.asyncIterator]();
  while (length < n) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    while (true) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

/**
 * Turns a layer blob (gzip, zstd or plain tar, told apart by its magic bytes, whatever the
 * media type claims) into the uncompressed tar stream.
 */
export async function decompressLayer(
  input: Readable,
  signal?: AbortSignal,
): Promise<{ stream: Readable; compression: Compression }> {
  const { head, stream } = await peek(input, 4);
  const compression = sniffCompression(head);
  if (compression === 'gzip') {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    stream.on('error', (err) => gunzip.destroy(err));
    return { stream: stream.pipe(gunzip), compression };
  }
  if (compression === 'zstd') return { stream: zstdDecompress(stream, signal), compression };
  return { stream, compression };
}
