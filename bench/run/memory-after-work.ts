/**
 * What the daemon tree keeps after work (issue 5): idle memory per process right after start,
 * then after each round of the run benchmark's workload (runs with and without a network,
 * 20 detached runs 4 at a time, execs, 100 creates, `ps -a`, all removed), 5 s idle each time.
 * Memory that grows round after round is a leak; memory that grows once and stays is a cache
 * or a heap that did not shrink.
 *   node --import tsx bench/run/memory-after-work.ts   (MEM_ROUNDS=2, MEM_RUNS=10;
 *   RLT_BENCH_MAIN=/path/dist/cli/main.js measures another build; MEM_SNAPSHOT_DIR=/dir (mode
 *   1777) has the engine write a V8 heap snapshot there at each measure)
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { pushBusybox } from '../../test/fixtures/images.js';
import { startRegistry } from '../../test/fixtures/registry.js';
import { type Daemon, sleep, startDaemon } from '../../test/helpers/index.js';
import { cliOk, pool, printTreeMemory } from './cli.js';

const ROUNDS = Number(process.env.MEM_ROUNDS ?? 2);
const RUNS = Number(process.env.MEM_RUNS ?? 10);
const SNAPSHOTS = process.env.MEM_SNAPSHOT_DIR;

async function snapshot(d: Daemon): Promise<void> {
  const engine = d.pids().engine;
  if (!SNAPSHOTS || !engine) return;
  const before = readdirSync(SNAPSHOTS).length;
  process.kill(engine, 'SIGUSR2');
  for (let i = 0; i < 600 && readdirSync(SNAPSHOTS).length === before; i++) await sleep(100);
  await sleep(2000);
}

async function workload(d: Daemon, round: number): Promise<void> {
  for (const net of ['none', 'bridge'])
    for (let i = 0; i < RUNS; i++) await cliOk(d, ['run', '--rm', '--network', net, 'busybox', 'true']);
  const names = Array.from({ length: 20 }, (_, i) => `mem${round}-d${i}`);
  await pool(names.length, 4, (i) =>
    cliOk(d, ['run', '-d', '--name', names[i] ?? '', 'busybox', 'sleep', '600']),
  );
  for (let i = 0; i < RUNS; i++) await cliOk(d, ['exec', names[0] ?? '', 'true']);
  await cliOk(d, ['rm', '-f', ...names]);
  const created = Array.from({ length: 100 }, (_, i) => `mem${round}-c${i}`);
  await pool(created.length, 4, (i) => cliOk(d, ['create', '--name', created[i] ?? '', 'busybox', 'true']));
  for (let i = 0; i < 10; i++) await cliOk(d, ['ps', '-a']);
  await cliOk(d, ['rm', '-f', ...created]);
}

if (SNAPSHOTS) mkdirSync(SNAPSHOTS, { recursive: true, mode: 0o1777 });
const registry = await startRegistry();
await pushBusybox(registry);
const image = `${registry.host}/library/busybox`;
const env: Record<string, string> = SNAPSHOTS
  ? { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${SNAPSHOTS}` }
  : {};
const daemon = await startDaemon({
  env,
  ...(process.env.RLT_BENCH_MAIN ? { main: process.env.RLT_BENCH_MAIN } : {}),
});
try {
  await cliOk(daemon, ['pull', image]);
  await cliOk(daemon, ['tag', image, 'busybox']);
  await sleep(5000);
  printTreeMemory(daemon, 'after start and pull');
  await snapshot(daemon);
  for (let r = 1; r <= ROUNDS; r++) {
    await workload(daemon, r);
    await sleep(5000);
    printTreeMemory(daemon, `after workload ${r}`);
    await snapshot(daemon);
  }
  // MEM_HOLD=seconds: keep the daemon up at the end, to look at it by hand.
  const hold = Number(process.env.MEM_HOLD ?? 0);
  if (hold > 0) {
    console.log(`holding: engine pid ${daemon.pids().engine}, DOCKER_HOST=${daemon.dockerHost}`);
    await sleep(hold * 1000);
  }
} finally {
  await daemon.stop();
  await registry.stop();
}
