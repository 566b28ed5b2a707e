import type { Readable } from 'node:stream';
import { decompressWith } from './decompress-program.js';

/**
 * Decompresses a zstd stream with Debian's `zstd -dc` (Node 20's zlib has no zstd). Returns
 * the decompressed stream; a failure of the program destroys it with an error naming it.
 */
export function zstdDecompress(input: Readable, signal?: AbortSignal): Readable {
  return decompressWith('zstd', input, signal);
}
