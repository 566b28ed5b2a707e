import { probe, run } from './exec.js';

const BIN = 'fuse-overlayfs';

/**
 * Mounts a fuse-overlayfs file system at `target` with the given `-o` options
 * (lowerdir=…,upperdir=…,workdir=…). The program daemonizes once the mount is ready, so
 * this returns when the mount is usable; the daemon lives in the caller's namespaces.
 */
export async function mountFuseOverlayfs(
  options: readonly string[],
  target: string,
  signal?: AbortSignal,
): Promise<void> {
  await run(BIN, ['-o', options.join(','), target], { timeoutMs: 30_000, signal });
}

/** The version line of fuse-overlayfs, or undefined when the program is missing. */
export async function fuseOverlayfsVersion(): Promise<string | undefined> {
  const result = await probe(BIN, ['--version']);
  if (!result) return undefined;
  const m = /fuse-overlayfs:\s*version\s*(\S+)/i.exec(`${result.stdout}\n${result.stderr}`);
  return m?.[1] ?? result.stdout.split('\n')[0]?.trim();
}
