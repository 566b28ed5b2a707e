import { stat } from 'node:fs/promises';
import { fileCapabilities } from '../../drivers/getcap.js';
import type { CheckContext } from './context.js';
import { findProgram } from './find-program.js';
import { installFix } from './fixes.js';
import type { CheckResult } from './types.js';

const UIDMAP_PACKAGES = { apt: 'uidmap', dnf: 'shadow-utils', zypper: 'shadow' };

type HelperState = { path: string; how: string } | { path?: string; problem: string };

async function helperState(name: 'newuidmap' | 'newgidmap', ctx: CheckContext): Promise<HelperState> {
  const path = await findProgram(name, ctx.env);
  if (!path) return { problem: `${name} not found` };
  const st = await stat(path);
  if ((st.mode & 0o4000) !== 0 && st.uid === 0) return { path, how: 'setuid root' };
  const caps = await fileCapabilities(path);
  const needed = name === 'newuidmap' ? 'cap_setuid' : 'cap_setgid';
  if (caps?.includes(needed)) return { path, how: `file capabilities ${caps}` };
  return { path, problem: `${path} is neither setuid root nor has ${needed}` };
}

/**
 * newuidmap/newgidmap must be setuid root (or carry cap_setuid/cap_setgid) to map a
 * subordinate range. Without them the daemon still starts, in single-id mode.
 */
export async function checkIdMapHelpers(ctx: CheckContext): Promise<CheckResult> {
  const [uid, gid] = await Promise.all([helperState('newuidmap', ctx), helperState('newgidmap', ctx)]);
  const base = { id: 'newuidmap', title: 'newuidmap/newgidmap', blocksStart: false };
  if ('how' in uid && 'how' in gid) {
    return { ...base, status: 'pass', detail: `${uid.path} (${uid.how}), ${gid.path} (${gid.how})` };
  }
  const problems = [uid, gid].flatMap((s) => ('problem' in s ? [s.problem] : []));
  const missing = [uid, gid].some((s) => !s.path);
  const single =
    ctx.uid === 0
      ? 'root writes its id maps itself'
      : 'the daemon starts in single-id mode (only your own id is mapped)';
  const fix = missing
    ? installFix(UIDMAP_PACKAGES)
    : { any: `chmod u+s ${uid.path ?? '/usr/bin/newuidmap'} ${gid.path ?? '/usr/bin/newgidmap'}` };
  return {
    ...base,
    status: ctx.uid === 0 ? 'warn' : 'fail',
    detail: `${problems.join('; ')}: ${single}`,
    fix,
  };
}
