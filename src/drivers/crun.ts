import { existsSync, readFileSync } from 'node:fs';
import { probe, run } from './exec.js';

export const CRUN = '/usr/bin/crun';
/** The cgroup v2 tree of a hybrid host, which crun 1.8 refuses ("hybrid mode not supported"). */
const UNIFIED = '/sys/fs/cgroup/unified';

/** The filesystem type mounted at `path` in this mount namespace (the last mount wins). */
function mountedType(path: string): string | undefined {
  let type: string | undefined;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (left?.split(' ')[4] === path) type = right?.split(' ')[0];
  }
  return type;
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
    return !hybrid || mountedType(UNIFIED) !== 'cgroup2';
  } catch {
    return false;
  }
}
