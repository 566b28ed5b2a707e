import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { decompressWith } from '../../drivers/decompress-program.js';

/** The compressions Docker accepts for build contexts and ADD's archives. */
export type ArchiveCompression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'none';

/** Which compression the first bytes announce. */
export function sniffCompression(head: Buffer): ArchiveCompression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])))
    return 'xz';
  if (head.length >= 4 && head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  return 'none';
}

/** A tar header (POSIX `ustar` or GNU `ustar  `) at the start of these bytes. */
export function isTarHeader(head: Buffer): boolean {
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/** The stream decompressed (gzip by zlib, the others by their programs). */
export function decompress(input: Readable, kind: ArchiveCompression, signal?: AbortSignal): Readable {
  if (kind === 'none') return input;
  if (kind === 'gzip') {
    const gunzip = createGunzip();
    input.on('error', (err) => gunzip.destroy(err));
    return input.pipe(gunzip);
  }
  return decompressWith(kind, input, signal);
}

/** The first chunk of a stream, and a stream that gives it back followed by the rest. */
export async function peek(input: Readable): Promise<{ head: Buffer; stream: Readable }> {
  const out = new PassThrough();
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value as Buffer);
  out.write(head);
  void (async () => {
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        if (!out.write(next.value)) await new Promise((r) => out.once('drain', r));
      }
      out.end();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return { head, stream: out };
}

/** Reads up to `n` bytes of a stream, then closes it. */
async function firstBytes(input: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const c of input) {
      chunks.push(c as Buffer);
      length += (c as Buffer).length;
      if (length >= n) break;
    }
  } catch {
    // Not decompressible: not an archive.
  } finally {
    input.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}

/**
 * Whether a file is a tar archive ADD extracts (plain or compressed), and how it is
 * compressed; undefined for any other file (copied as it is).
 */
export async function localArchive(path: string): Promise<ArchiveCompression | undefined> {
  const fh = await open(path, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const kind = sniffCompression(head);
  if (kind === 'none') return isTarHeader(head) ? 'none' : undefined;
  const source = createReadStream(path);
  const inner = await firstBytes(decompress(source, kind), 512);
  source.destroy();
  return isTarHeader(inner) ? kind : undefined;
}
