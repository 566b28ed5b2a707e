import { access } from 'node:fs/promises';
import type { CheckContext } from './context.js';
import type { CheckResult } from './types.js';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Lingering keeps the user's service manager (and the daemon) running after logout. */
export async function checkLingering(ctx: CheckContext, root = '/'): Promise<CheckResult> {
  const base = { id: 'linger', title: 'lingering', blocksStart: false };
  const fix = { any: `loginctl enable-linger ${ctx.user}` };
  if (!(await exists(`${root}run/systemd/system`))) {
    return {
      ...base,
      status: 'warn',
      detail: 'systemd is not the init system: run the daemon in the foreground or under your own supervisor',
    };
  }
  if (await exists(`${root}var/lib/systemd/linger/${ctx.user}`)) {
    return { ...base, status: 'pass', detail: `enabled for ${ctx.user}` };
  }
  return {
    ...base,
    status: 'warn',
    detail: `not enabled for ${ctx.user}: the daemon and its containers stop when your last session ends`,
    fix,
  };
}
