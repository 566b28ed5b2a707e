import { run } from './exec.js';

/**
 * Copies a directory tree keeping owners, modes, times, hard links, special files and
 * extended attributes (`cp -a`, reflinks where the file system has them). `to` must not exist.
 */
export async function copyTree(from: string, to: string, signal?: AbortSignal): Promise<void> {
  await run('cp', ['-a', '--reflink=auto', '--', from, to], { timeoutMs: 30 * 60_000, signal });
}
