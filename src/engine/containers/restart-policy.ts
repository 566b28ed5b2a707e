import { InvalidParameter } from '../../errdefs/index.js';

/** Docker's restart policy as stored in HostConfig.RestartPolicy. */
export interface RestartPolicy {
  name: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  maximumRetryCount: number;
}

const NAMES = new Set(['', 'no', 'always', 'unless-stopped', 'on-failure']);

/** Validates and normalises a RestartPolicy object (`{Name, MaximumRetryCount}`). */
export function parseRestartPolicy(
  raw: { Name?: string | null; MaximumRetryCount?: number | null } | null | undefined,
): RestartPolicy {
  const name = raw?.Name ?? '';
  if (!NAMES.has(name)) throw new InvalidParameter(`invalid restart policy: unknown policy '${name}'`);
  const max = raw?.MaximumRetryCount ?? 0;
  if (max < 0) throw new InvalidParameter('invalid restart policy: maximum retry count cannot be negative');
  if (max > 0 && name !== 'on-failure')
    throw new InvalidParameter(
      `invalid restart policy: maximum retry count can only be used with 'on-failure'`,
    );
  return { name: (name || 'no') as RestartPolicy['name'], maximumRetryCount: max };
}

/** Whether a container that just exited restarts (Docker's restart manager rules). */
export function shouldRestartOnExit(
  policy: RestartPolicy,
  exit: { exitCode: number; stoppedByUser: boolean; restartCount: number },
): boolean {
  if (exit.stoppedByUser) return false;
  switch (policy.name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return (
        exit.exitCode !== 0 &&
        (policy.maximumRetryCount === 0 || exit.restartCount < policy.maximumRetryCount)
      );
    default:
      return false;
  }
}

/** Whether a stopped container starts when the engine starts (Docker restarts those at daemon start). */
export function shouldRestartAtEngineStart(
  policy: RestartPolicy,
  state: { stoppedByUser: boolean; everStarted: boolean },
): boolean {
  if (!state.everStarted) return false;
  if (policy.name === 'always') return true;
  return policy.name === 'unless-stopped' && !state.stoppedByUser;
}

export const INITIAL_BACKOFF_MS = 100;
export const MAX_BACKOFF_MS = 60_000;
/** A container that ran at least this long restarts with the initial delay again. */
export const BACKOFF_RESET_MS = 10_000;

/** Docker's back-off: 100 ms, doubling up to a minute; back to 100 ms after 10 s of running. */
export function nextBackoff(previousMs: number | undefined, ranForMs: number): number {
  if (previousMs === undefined || ranForMs >= BACKOFF_RESET_MS) return INITIAL_BACKOFF_MS;
  return Math.min(previousMs * 2, MAX_BACKOFF_MS);
}
