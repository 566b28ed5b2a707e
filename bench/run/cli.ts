/**
 * Shared by the run and net benchmarks: the docker CLI spawned straight as the test user (uid/gid
 * set by Node, not through runuser, whose PAM session would add ~10 ms to every timing), timing,
 * medians, /proc readings and the machine's description.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import type { DaemonEnv } from '../../test/helpers/index.js';

export const DOCKER = '/usr/local/bin/docker';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the docker CLI as the daemon's user; resolves with its exit code, output and wall time. */
export function cli(d: DaemonEnv, args: readonly string[]): Promise<CliResult> {
  const ids = d.user.viaRunuser ? { uid: d.user.uid, gid: d.user.gid } : {};
  const t = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, args, { cwd: '/', env: d.cliEnv, stdio: ['ignore', 'pipe', 'pipe'], ...ids });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - t) / 1e6 }),
    );
  });
}

/** As cli(), but throws with stderr on a non-zero exit. */
export async function cliOk(d: DaemonEnv, args: readonly string[]): Promise<CliResult> {
  const r = await cli(d, args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export interface ProcMemory {
  pid: number;
  name: string;
  cmdline: string;
  vmRssKiB: number;
}

/** VmRSS and identity of a process, from /proc/PID/status and cmdline; undefined if gone. */
export function procMemory(pid: number): ProcMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?';
    const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, name, cmdline: cmdline.slice(0, 160), vmRssKiB: rss };
  } catch {
    return undefined;
  }
}

export function machine(): Record<string, string | number> {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? '?',
    kernel: release(),
    node: process.version,
    loadavg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
