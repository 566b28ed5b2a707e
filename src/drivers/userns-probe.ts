import { run } from './exec.js';

/** What a probe found: ok, or the reason it failed (the tail of the program's stderr). */
export interface ProbeOutcome {
  ok: boolean;
  error?: string;
}

const UNSHARE = 'unshare';
const TIMEOUT_MS = 10_000;

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Tries to create a user namespace with the caller mapped to root inside it:
 * `unshare --user --map-root-user true`. Fails where the kernel or a security module
 * forbids unprivileged user namespaces.
 */
export async function tryUserNamespace(): Promise<ProbeOutcome> {
  try {
    await run(UNSHARE, ['--user', '--map-root-user', 'true'], { timeoutMs: TIMEOUT_MS });
    return { ok: true };
  } catch (err) {
    return { ok: false, error: reason(err) };
  }
}

export interface OverlayProbeDirs {
  lower: string;
  upper: string;
  work: string;
  merged: string;
}

/**
 * Tries the kernel's overlay file system inside a fresh user + mount namespace:
 * `unshare --user --map-root-user --mount mount -t overlay overlay -o lowerdir=…,userxattr DEST`.
 * The mount vanishes with the namespace when `mount` exits.
 */
export async function tryOverlayInUserNamespace(dirs: OverlayProbeDirs): Promise<ProbeOutcome> {
  const options = `lowerdir=${dirs.lower},upperdir=${dirs.upper},workdir=${dirs.work},userxattr`;
  try {
    await run(
      UNSHARE,
      [
        '--user',
        '--map-root-user',
        '--mount',
        'mount',
        '-t',
        'overlay',
        'overlay',
        '-o',
        options,
        dirs.merged,
      ],
      { timeoutMs: TIMEOUT_MS },
    );
    return { ok: true };
  } catch (err) {
    return { ok: false, error: reason(err) };
  }
}
