import { type RunOptions, type RunResult, run } from './exec.js';

/** The path of a process's network namespace. */
export function netnsPath(pid: number): string {
  return `/proc/${pid}/ns/net`;
}

/** `nsenter --net=/proc/PID/ns/net -- PROGRAM ARGS…`: argv for nsenter. */
export function inNetnsArgs(pid: number, program: string, args: readonly string[]): string[] {
  return [`--net=${netnsPath(pid)}`, '--', program, ...args];
}

/** Runs a program inside the network namespace of `pid` (the caller's other namespaces kept). */
export function runInNetns(
  pid: number,
  program: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return run('nsenter', inNetnsArgs(pid, program, args), { timeoutMs: 15_000, ...options });
}

/** `sysctl -w KEY=VALUE` inside the network namespace of `pid` (net.* keys are per namespace). */
export async function setNetSysctl(pid: number, key: string, value: string): Promise<void> {
  await runInNetns(pid, 'sysctl', ['-q', '-w', `${key}=${value}`]);
}

/**
 * Several `KEY=VALUE` in one `sysctl -w` run inside the network namespace of `pid`. sysctl
 * sets every key it can and fails when one could not be set (e.g. a missing interface).
 */
export async function setNetSysctls(pid: number, entries: Readonly<Record<string, string>>): Promise<void> {
  await runInNetns(pid, 'sysctl', ['-q', '-w', ...Object.entries(entries).map(([k, v]) => `${k}=${v}`)]);
}
