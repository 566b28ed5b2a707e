import { existsSync, readFileSync } from 'node:fs';
import { probe, run } from './exec.js';

export const CRUN = '/usr/bin/crun';
/** The cgroup v2 tree of a hybrid host, which crun 1.8 refuses ("hybrid mode not supported"). */
const UNIFIED = '/sys/fs/cgroup/unified';

/** The mount at `path` in this mount namespace (the last one wins): its type and options. */
function mountedAt(path: string): { type: string | undefined; options: string[] } | undefined {
  let found: { type: string | undefined; options: string[] } | undefined;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    const fields = left?.split(' ') ?? [];
    if (fields[4] === path) found = { type: right?.split(' ')[0], options: (fields[5] ?? '').split(',') };
  }
  return found;
}

function mountedType(path: string): string | undefined {
  return mountedAt(path)?.type;
}

/**
 * Binds crun's own binary read-only over itself in this mount namespace. Before each run crun
 * checks that the file it runs from cannot be written (CVE-2019-5736: a container overwriting
 * the runtime through /proc/PID/exe); when the file sits on a writable file system it copies
 * itself to a temporary file and re-executes that copy, about 4.5 ms of every create, start,
 * exec and delete here. On a read-only mount it runs as it is. Rootless, the binary is the
 * host root's and was never writable by us; the read-only bind only lets crun see that.
 * The bind holds the file it was made on: after a package upgrade replaces crun, the old one
 * runs until the holder's mount namespace is made again (`systemctl --user restart rootlessd`).
 * Best effort: on failure crun keeps copying itself.
 */
async function sealBinary(): Promise<void> {
  if (mountedAt(CRUN)?.options.includes('ro')) return;
  try {
    await run('mount', ['--bind', CRUN, CRUN], { timeoutMs: 10_000 });
    await run('mount', ['-o', 'remount,bind,ro', CRUN], { timeoutMs: 10_000 });
  } catch {}
}

/**
 * Makes crun usable in this mount namespace and says whether it is: crun installed and
 * answering, and on a hybrid cgroup host the v2 tree hidden under a small read-only tmpfs
 * (PLATFORM.md; runc is unaffected). Must run inside the engine's (holder's) mount namespace.
 */
export async function prepareCrun(): Promise<boolean> {
  if (!existsSync(CRUN)) return false;
  if (!(await probe(CRUN, ['--version']))) return false;
  try {
    const hybrid = existsSync('/sys/fs/cgroup/memory') || existsSync('/sys/fs/cgroup/cpu');
    if (hybrid && mountedType(UNIFIED) === 'cgroup2')
      await run('mount', ['-t', 'tmpfs', '-o', 'ro,size=4k,mode=0755', 'none', UNIFIED], {
        timeoutMs: 10_000,
      });
    if (hybrid && mountedType(UNIFIED) === 'cgroup2') return false;
    await sealBinary();
    return true;
  } catch {
    return false;
  }
}
