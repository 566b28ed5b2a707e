import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT_RUNTIME_DIR } from '../../config/paths.js';
import type { CheckContext } from './context.js';
import type { CheckResult } from './types.js';

/** sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

async function problemWith(dir: string, uid: number): Promise<string | undefined> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(dir);
  } catch (err) {
    return `${dir} does not exist (${(err as NodeJS.ErrnoException).code})`;
  }
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (st.uid !== uid) return `${dir} is owned by uid ${st.uid}, not ${uid}`;
  const mode = st.mode & 0o777;
  if (mode !== 0o700) return `${dir} has mode 0${mode.toString(8)}, not 0700`;
  const socket = join(dir, 'docker.sock');
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) return `${socket} is longer than ${MAX_SOCKET_PATH} bytes`;
  return undefined;
}

/**
 * $XDG_RUNTIME_DIR holds the API socket and pid files: it must exist, belong to the user
 * and be 0700. When the variable is unset, the fallback folder of src/config/paths.ts is
 * used, which is a warning as long as nobody else owns it.
 */
export async function checkRuntimeDir(ctx: CheckContext): Promise<CheckResult> {
  const base = { id: 'xdg-runtime-dir', title: 'XDG_RUNTIME_DIR', blocksStart: true };
  const dir = ctx.xdg.runtimeDir;
  if (ctx.uid === 0 && dir === ROOT_RUNTIME_DIR) {
    return {
      ...base,
      status: 'pass',
      detail: `started as root: ${dir} is used (owned by the namespaces' mapped root, mode 0711; XDG_RUNTIME_DIR is not used)`,
    };
  }
  const standard = `/run/user/${ctx.uid}`;
  const adminFix = {
    any: `mkdir -p ${standard} && chown ${ctx.user}: ${standard} && chmod 0700 ${standard}\nloginctl enable-linger ${ctx.user}  # with systemd: keeps /run/user/${ctx.uid} without a login`,
  };
  if (!ctx.xdg.runtimeDirFromEnv) {
    const problem = await problemWith(dir, ctx.uid);
    if (problem && !problem.includes('does not exist')) {
      return {
        ...base,
        status: 'fail',
        detail: `XDG_RUNTIME_DIR is not set and the fallback is unsafe: ${problem}`,
        fix: adminFix,
      };
    }
    return {
      ...base,
      status: 'warn',
      detail: `XDG_RUNTIME_DIR is not set: ${dir} will be used (set it, e.g. export XDG_RUNTIME_DIR=${standard}, as a login session does)`,
      fix: adminFix,
    };
  }
  const problem = await problemWith(dir, ctx.uid);
  if (problem) {
    const fix = problem.includes('mode') ? { any: `chmod 0700 ${dir}` } : adminFix;
    return { ...base, status: 'fail', detail: problem, fix };
  }
  return { ...base, status: 'pass', detail: `${dir} (owned by uid ${ctx.uid}, 0700)` };
}
