/**
 * Shared by the run and net benchmarks: the docker CLI spawned straight as the test user (uid/gid
 * set by Node, not through runuser, whose PAM session would add ~10 ms to every timing), timing,
 * medians, /proc readings and the machine's description.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import type { Daemon, DaemonEnv } from '../../test/helpers/index.js';

export const DOCKER = '/usr/local/bin/docker';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `file` as the daemon's user; resolves with its exit code, output and wall time. */
export function runAsUser(
  d: DaemonEnv,
  file: string,
  args: readonly string[],
  env: Record<string, string> = d.cliEnv,
): Promise<CliResult> {
  const ids = d.user.viaRunuser ? { uid: d.user.uid, gid: d.user.gid } : {};
  const t = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'], ...ids });
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

/** Runs the docker CLI as the daemon's user; resolves with its exit code, output and wall time. */
export function cli(d: DaemonEnv, args: readonly string[]): Promise<CliResult> {
  return runAsUser(d, DOCKER, args);
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

/** Median, minimum and maximum of timings (ms), and their count. */
export function stats(xs: readonly number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { medianMs: round(median(xs)), minMs: round(s[0] ?? 0), maxMs: round(s.at(-1) ?? 0), n: xs.length };
}

/** Runs fn(i) for i in [0, n) with at most `width` at a time. */
export async function pool(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) await fn(i);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

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
  /** Proportional set size: pages shared with other processes (node's own code) divided among them. */
  pssKiB: number;
  /** Anonymous memory (heaps, stacks): the process's own. */
  anonKiB: number;
}

/** A field of /proc/PID/smaps_rollup in KiB (0 when unreadable: it needs root or the same uid). */
function rollupField(text: string, key: string): number {
  return Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? 0);
}

/** VmRSS, PSS, anonymous memory and identity of a process, from /proc; undefined if gone. */
export function procMemory(pid: number): ProcMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?';
    const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    let rollup = '';
    try {
      rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    } catch {}
    return {
      pid,
      name,
      cmdline: cmdline.slice(0, 160),
      vmRssKiB: rss,
      pssKiB: rollupField(rollup, 'Pss'),
      anonKiB: rollupField(rollup, 'Anonymous'),
    };
  } catch {
    return undefined;
  }
}

/**
 * The memory a tree of processes needs on its own, whatever else runs on the machine: each
 * process's anonymous memory, plus the resident pages of every mapped file (node's binary,
 * libc, addons) counted once, with the most any one process of the tree has resident. The sum
 * of PSS comes to the same on a quiet machine, but drops when other programs (other daemons,
 * editors, test runs) map the same node binary; the sum of RSS counts node's code once per
 * process. Reads /proc/PID/smaps (root, or the same uid).
 */
export function treeFootprintKiB(pids: readonly number[]): number {
  let own = 0;
  const files = new Map<string, number>();
  for (const pid of pids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    } catch {
      continue;
    }
    const perFile = new Map<string, number>();
    let path = '';
    for (const line of text.split('\n')) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) {
        path = head[1]?.startsWith('/') ? head[1] : '';
        continue;
      }
      const rss = /^Rss:\s+(\d+) kB$/.exec(line);
      if (rss) {
        if (path) perFile.set(path, (perFile.get(path) ?? 0) + Number(rss[1]));
        continue;
      }
      // Anonymous pages of a file mapping (written copies: relocations, .data) are the process's own.
      const anon = /^Anonymous:\s+(\d+) kB$/.exec(line);
      if (anon) {
        own += Number(anon[1]);
        if (path) perFile.set(path, (perFile.get(path) ?? 0) - Number(anon[1]));
      }
    }
    for (const [file, kib] of perFile) files.set(file, Math.max(files.get(file) ?? 0, kib));
  }
  return own + [...files.values()].reduce((a, b) => a + b, 0);
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

/** What a process of the daemon's tree is: launcher, holder, engine, slirp4netns, a pid file's name, … */
export function roleOf(d: Daemon, pid: number): string {
  const p = d.pids();
  if (pid === p.launcher || pid === d.launcherPid) return 'launcher';
  if (pid === p.holder) return 'holder';
  if (pid === p.engine) return 'engine';
  if (pid === p.slirp) return 'slirp4netns';
  for (const [name, q] of Object.entries(p.others)) if (q === pid) return name;
  const cmd = procMemory(pid)?.cmdline ?? '';
  if (cmd.includes('dns-agent')) return 'dns-agent';
  if (cmd.includes('conmon')) return 'conmon';
  return 'helper';
}

/** Prints RSS, PSS and anonymous memory of each process of the daemon's tree, their sums and the footprint. */
export function printTreeMemory(d: Daemon, label: string): void {
  const rows = d
    .processes()
    .map((pid) => procMemory(pid))
    .filter((p): p is ProcMemory => p !== undefined);
  const mib = (k: number) => (k / 1024).toFixed(1).padStart(6);
  console.log(`\n${label}:  role          RSS MiB  PSS MiB  anon MiB`);
  for (const r of rows)
    console.log(`  ${roleOf(d, r.pid).padEnd(22)} ${mib(r.vmRssKiB)}   ${mib(r.pssKiB)}   ${mib(r.anonKiB)}`);
  const sum = (k: 'vmRssKiB' | 'pssKiB' | 'anonKiB') => rows.reduce((a, r) => a + r[k], 0);
  console.log(
    `  ${'total'.padEnd(22)} ${mib(sum('vmRssKiB'))}   ${mib(sum('pssKiB'))}   ${mib(sum('anonKiB'))}`,
  );
  console.log(`  ${'footprint'.padEnd(22)} ${mib(treeFootprintKiB(rows.map((r) => r.pid)))}`);
}

/** The tree's footprint (MiB) now. */
export function footprintMiB(d: Daemon): number {
  const pids = d
    .processes()
    .map((pid) => procMemory(pid))
    .filter((p): p is ProcMemory => p !== undefined)
    .map((p) => p.pid);
  return Math.round((treeFootprintKiB(pids) / 1024) * 10) / 10;
}

/**
 * The footprint every 5 s over `ms` (idle: nothing asked of the daemon meanwhile). Idle memory
 * settles only after V8's memory reducer has run in each Node process, about 8 s after their
 * last full collection (it shrinks the young generation to half and compacts): the series shows
 * the moment it does.
 */
export async function footprintSeries(
  d: Daemon,
  ms = 30_000,
): Promise<Array<{ atMs: number; footprintMiB: number }>> {
  const out: Array<{ atMs: number; footprintMiB: number }> = [];
  const t0 = Date.now();
  for (let at = 5000; at <= ms; at += 5000) {
    await new Promise((r) => setTimeout(r, Math.max(0, at - (Date.now() - t0))));
    out.push({ atMs: at, footprintMiB: footprintMiB(d) });
  }
  return out;
}
