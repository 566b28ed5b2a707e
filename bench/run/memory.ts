/**
 * Idle memory of the daemon tree, per process: VmRSS, and from /proc/PID/smaps_rollup the
 * proportional set size (shared pages, such as node's own code, divided among the processes
 * mapping them) and the private anonymous memory (heaps). Measured 5 s after start, then
 * 5 s after a pull of the Debian minbase image and `docker run --rm busybox true`.
 *   node --import tsx bench/run/memory.ts
 */
import { readFileSync } from 'node:fs';
import { pushBusybox, pushMinbase } from '../../test/fixtures/images.js';
import { startRegistry } from '../../test/fixtures/registry.js';
import { type Daemon, dockerOk, startDaemon } from '../../test/helpers/index.js';
import { sleep } from '../../test/helpers/proc.js';

interface Row {
  role: string;
  pid: number;
  rssKiB: number;
  pssKiB: number;
  anonKiB: number;
}

function rollup(pid: number): Omit<Row, 'role' | 'pid'> | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? 0);
    return { rssKiB: field('Rss'), pssKiB: field('Pss'), anonKiB: field('Anonymous') };
  } catch {
    return undefined;
  }
}

function roleOf(d: Daemon, pid: number): string {
  const p = d.pids();
  if (pid === p.launcher || pid === d.launcherPid) return 'launcher';
  if (pid === p.holder) return 'holder';
  if (pid === p.engine) return 'engine';
  if (pid === p.slirp) return 'slirp4netns';
  for (const [name, q] of Object.entries(p.others)) if (q === pid) return name;
  const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (cmd.includes('dns-agent')) return 'dns-agent';
  return cmd.split('\0')[0] ?? 'helper';
}

function measure(d: Daemon, label: string): void {
  const rows: Row[] = [];
  for (const pid of d.processes()) {
    const m = rollup(pid);
    if (m) rows.push({ role: roleOf(d, pid), pid, ...m });
  }
  const mib = (k: number) => (k / 1024).toFixed(1).padStart(6);
  console.log(`\n${label}:  role          RSS MiB  PSS MiB  anon MiB`);
  for (const r of rows)
    console.log(`  ${r.role.padEnd(22)} ${mib(r.rssKiB)}   ${mib(r.pssKiB)}   ${mib(r.anonKiB)}`);
  const sum = (k: keyof Row) => rows.reduce((a, r) => a + (r[k] as number), 0);
  console.log(
    `  ${'total'.padEnd(22)} ${mib(sum('rssKiB'))}   ${mib(sum('pssKiB'))}   ${mib(sum('anonKiB'))}`,
  );
}

const registry = await startRegistry();
await pushBusybox(registry);
await pushMinbase(registry, 'library/debian:bookworm');
// MEM_DAEMON_ENV: extra environment for the launcher, as JSON (e.g. {"NODE_OPTIONS": "…"}).
const daemon = await startDaemon({
  env: JSON.parse(process.env.MEM_DAEMON_ENV ?? '{}') as Record<string, string>,
});
try {
  await sleep(5000);
  measure(daemon, 'after start');
  await dockerOk(daemon, ['pull', '-q', `${registry.host}/library/debian:bookworm`], { timeoutMs: 600_000 });
  await dockerOk(daemon, ['pull', '-q', `${registry.host}/library/busybox:latest`]);
  await dockerOk(daemon, ['run', '--rm', `${registry.host}/library/busybox:latest`, 'true']);
  await sleep(5000);
  measure(daemon, 'after pull + run');
} finally {
  await daemon.stop();
  await registry.stop();
}
