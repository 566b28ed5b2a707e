import type { DaemonEnv } from './daemon-env.js';
import { docker } from './docker.js';
import { sleep } from './proc.js';

export interface PollOptions {
  /** How many times to check (default 50). */
  tries?: number;
  /** The pause between two checks (default 100 ms). */
  intervalMs?: number;
}

/**
 * Checks up to `tries` times, `intervalMs` apart, until `check` holds; returns whether it did.
 * Bounded by a count, not a clock: no test asserts wall-clock time.
 */
export async function poll(
  check: () => boolean | Promise<boolean>,
  { tries = 50, intervalMs = 100 }: PollOptions = {},
): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    if (i < tries - 1) await sleep(intervalMs);
  }
  return false;
}

/** As poll(), but throws `timed out waiting for WHAT` when `check` never held. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  options: PollOptions = {},
): Promise<void> {
  if (!(await poll(check, options))) throw new Error(`timed out waiting for ${what}`);
}

/** Polls `docker version` until the daemon answers again (after the engine was killed); whether it did. */
export function waitForApi(d: DaemonEnv, options: PollOptions = {}): Promise<boolean> {
  return poll(async () => (await docker(d, ['version'])).exitCode === 0, { intervalMs: 200, ...options });
}
