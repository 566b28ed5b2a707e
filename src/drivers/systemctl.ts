import { run } from './exec.js';

const SYSTEMCTL = 'systemctl';
const TIMEOUT_MS = 30_000;

/** Runs `systemctl --user ARGS`; throws CommandFailed with systemctl's stderr on failure. */
export async function systemctlUser(args: readonly string[]): Promise<string> {
  const { stdout } = await run(SYSTEMCTL, ['--user', ...args], { timeoutMs: TIMEOUT_MS });
  return stdout;
}

/**
 * Whether a user service manager answers (`systemctl --user show-environment`). False when
 * systemctl is missing or there is no user bus (no login session, no systemd as PID 1).
 */
export async function userManagerAvailable(): Promise<boolean> {
  try {
    await run(SYSTEMCTL, ['--user', 'show-environment'], { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}

export async function daemonReload(): Promise<void> {
  await systemctlUser(['daemon-reload']);
}

export async function enableNow(unit: string): Promise<void> {
  await systemctlUser(['enable', '--now', unit]);
}

export async function disableNow(unit: string): Promise<void> {
  await systemctlUser(['disable', '--now', unit]);
}
