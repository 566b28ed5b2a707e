import type { Readable } from 'node:stream';
import { spawn } from './exec.js';

/**
 * Decompresses a zstd stream with Debian's `zstd -dc` (Node 20's zlib has no zstd). Returns
 * the decompressed stream; a failure of the program destroys it with an error naming it.
 */
export function zstdDecompress(input: Readable, signal?: AbortSignal): Readable {
  const child = spawn('zstd', ['-dcq'], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: { stdout: false, stderr: true },
    cancelSignal: signal,
  });
  const out = child.stdout!;
  input.on('error', (err) => {
    child.kill();
    out.destroy(err);
  });
  input.pipe(child.stdin!);
  child.stdin!.on('error', () => undefined);
  child.then((result) => {
    if (result.failed) {
      const stderr = String(result.stderr ?? '').trim();
      out.destroy(new Error(`zstd -dc: ${stderr || result.shortMessage}`));
    }
  });
  return out;
}
