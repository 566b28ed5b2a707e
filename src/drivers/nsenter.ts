import type { ResultPromise } from 'execa';
import { type SpawnOptions, spawn } from './exec.js';

export interface NsenterOptions {
  /** The process whose namespaces are joined. */
  target: number;
  user?: boolean;
  mount?: boolean;
  net?: boolean;
  /**
   * Keep the caller's uid/gid (which the target's map shows as 0) instead of switching to
   * 0 with setgroups: needed where setgroups is denied (single-id mode).
   */
  preserveCredentials?: boolean;
}

/** `nsenter --user --mount [--preserve-credentials] -t PID -- PROGRAM ARGS…` */
export function nsenterArgs(options: NsenterOptions, program: string, args: readonly string[]): string[] {
  return [
    ...(options.user ? ['--user'] : []),
    ...(options.mount ? ['--mount'] : []),
    ...(options.net ? ['--net'] : []),
    ...(options.preserveCredentials ? ['--preserve-credentials'] : []),
    '-t',
    String(options.target),
    '--',
    program,
    ...args,
  ];
}

/**
 * Starts a long-running program inside another process's namespaces. nsenter execs the
 * program (no fork without --pid), so the child's pid is the program's pid.
 */
export function spawnInNamespaces(
  options: NsenterOptions,
  program: string,
  args: readonly string[],
  spawnOptions: SpawnOptions = {},
): ResultPromise {
  return spawn('nsenter', nsenterArgs(options, program, args), spawnOptions);
}
