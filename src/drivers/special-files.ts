import { run } from './exec.js';

/** Node has no mknod(2): creates a character device node (0/0 is an overlay whiteout). */
export async function mknodChar(
  path: string,
  major: number,
  minor: number,
  signal?: AbortSignal,
): Promise<void> {
  await run('mknod', ['-m', '000', path, 'c', String(major), String(minor)], { timeoutMs: 10_000, signal });
}

/** Creates named pipes (mkfifo(1)); the mode is set by the caller afterwards. */
export async function mkfifo(paths: readonly string[], signal?: AbortSignal): Promise<void> {
  if (paths.length === 0) return;
  await run('mkfifo', ['--', ...paths], { timeoutMs: 10_000, signal });
}
