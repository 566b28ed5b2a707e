import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { decompressWith } from '../../drivers/decompress-program.js';
import {
  type ArchiveCompression,
  gunzipStream,
  sniffArchiveCompression,
} from '../layers/extract/decompress.js';

/** A tar header (POSIX `ustar` or GNU `ustar  `) at the start of these bytes. */
export function isTarHeader(head: Buffer): boolean {
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/** The stream decompressed (gzip by zlib, the others by their programs). */
export function decompress(input: Readable, kind: ArchiveCompression, signal?: AbortSignal): Readable {
  if (kind === 'none') return input;
  if (kind === 'gzip') return gunzipStream(input);
  return decompressWith(kind, input, signal);
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
  const kind = sniffArchiveCompression(head);
  if (kind === 'none') return isTarHeader(head) ? 'none' : undefined;
  const source = createReadStream(path);
  const inner = await firstBytes(decompress(source, kind), 512);
  source.destroy();
  return isTarHeader(inner) ? kind : undefined;
}
