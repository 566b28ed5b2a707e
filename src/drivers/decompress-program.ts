import { PassThrough, type Readable } from 'node:stream';
import { spawn } from './exec.js';

/** Programs that decompress what Node's zlib cannot: Debian's zstd, xz-utils and bzip2. */
export type DecompressProgram = 'zstd' | 'xz' | 'bzip2';

/**
 * Decompresses a stream with `PROGRAM -dcq`. Returns the decompressed stream, which ends only
 * once the program exited well: a failure (corrupt or truncated input) destroys it with an
 * error naming the program, never passes for a short but complete output.
 */
export function decompressWith(program: DecompressProgram, input: Readable, signal?: AbortSignal): Readable {
  const child = spawn(program, ['-dcq'], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: { stdout: false, stderr: true },
    cancelSignal: signal,
  });
  const stdout = child.stdout!;
  const out = new PassThrough();
  const drained = new Promise<void>((resolve) => stdout.once('end', resolve));
  stdout.pipe(out, { end: false });
  out.on('close', () => {
    if (!stdout.readableEnded) child.kill();
  });
  input.on('error', (err) => {
    child.kill();
    out.destroy(err);
  });
  input.pipe(child.stdin!);
  child.stdin!.on('error', () => undefined);
  child.then(async (result) => {
    if (result.failed) {
      const stderr = String(result.stderr ?? '').trim();
      out.destroy(new Error(`${program} -dc: ${stderr || result.shortMessage}`));
      return;
    }
    await drained;
    out.end();
  });
  return out;
}
