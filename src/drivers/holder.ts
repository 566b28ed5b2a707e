import type { ResultPromise } from 'execa';
import { spawn } from './exec.js';

export const CATATONIT = '/usr/bin/catatonit';

export interface HolderArgsOptions {
  /** Let unshare map the caller's own id to 0 (single-id mode); otherwise the caller maps ids. */
  mapRootUser: boolean;
  /** The program that keeps the namespaces alive; catatonit in pause mode by default. */
  pause?: readonly string[];
}

/**
 * `unshare --user --mount --net --propagation private [--map-root-user] -- catatonit -P`:
 * a process that only sleeps, in new user, mount and network namespaces.
 */
export function holderArgs(options: HolderArgsOptions): string[] {
  return [
    '--user',
    '--mount',
    '--net',
    '--propagation',
    'private',
    ...(options.mapRootUser ? ['--map-root-user'] : []),
    '--',
    ...(options.pause ?? [CATATONIT, '-P']),
  ];
}

/**
 * Starts the namespace holder. It is detached into its own process group so that a Ctrl-C
 * on the launcher's terminal does not reach it; the launcher stops it itself.
 */
export function spawnHolder(options: HolderArgsOptions): ResultPromise {
  return spawn('unshare', holderArgs(options), { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
}
