/**
 * Idle memory of the daemon tree, per process: VmRSS, and from /proc/PID/smaps_rollup the
 * proportional set size (shared pages, such as node's own code, divided among the processes
 * mapping them) and the anonymous memory (heaps); in total also the tree's footprint (each
 * process's anonymous memory, each mapped file's pages once: what PSS sums to when nothing else
 * maps node; see treeFootprintKiB). Measured 5 s after start, then 5 s after a pull of the
 * Debian minbase image and `docker run --rm busybox true`.
 *   node --import tsx bench/run/memory.ts
 */
import { pushBusybox, pushMinbase } from '../../test/fixtures/images.js';
import { startRegistry } from '../../test/fixtures/registry.js';
import { type Daemon, dockerOk, startDaemon } from '../../test/helpers/index.js';
import { sleep } from '../../test/helpers/proc.js';
import { type ProcMemory, procMemory, treeFootprintKiB } from './cli.js';

function roleOf(d: Daemon, p: ProcMemory): string {
  const pids = d.pids();
  if (p.pid === pids.launcher || p.pid === d.launcherPid) return 'launcher';
  if (p.pid === pids.holder) return 'holder';
  if (p.pid === pids.engine) return 'engine';
  if (p.pid === pids.slirp) return 'slirp4netns';
  for (const [name, q] of Object.entries(pids.others)) if (q === p.pid) return name;
  if (p.cmdline.includes('dns-agent')) return 'dns-agent';
  return p.name;
}

function measure(d: Daemon, label: string): void {
  const rows = d
    .processes()
    .map((pid) => procMemory(pid))
    .filter((p): p is ProcMemory => p !== undefined);
  const mib = (k: number) => (k / 1024).toFixed(1).padStart(6);
  console.log(`\n${label}:  role          RSS MiB  PSS MiB  anon MiB`);
  for (const r of rows)
    console.log(`  ${roleOf(d, r).padEnd(22)} ${mib(r.vmRssKiB)}   ${mib(r.pssKiB)}   ${mib(r.anonKiB)}`);
  const sum = (k: 'vmRssKiB' | 'pssKiB' | 'anonKiB') => rows.reduce((a, r) => a + r[k], 0);
  console.log(
    `  ${'total'.padEnd(22)} ${mib(sum('vmRssKiB'))}   ${mib(sum('pssKiB'))}   ${mib(sum('anonKiB'))}`,
  );
  console.log(`  ${'footprint'.padEnd(22)} ${mib(treeFootprintKiB(rows.map((r) => r.pid)))}`);
}

const registry = await startRegistry();
await pushBusybox(registry);
await pushMinbase(registry, 'library/debian:bookworm');
// MEM_DAEMON_ENV: extra environment for the launcher, as JSON (e.g. {"MALLOC_ARENA_MAX": "2"}).
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
