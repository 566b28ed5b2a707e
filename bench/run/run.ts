/**
 * Container benchmark (issue 5): with the real docker CLI (run as the test user, spawned with its
 * uid/gid directly) against a daemon started by test/helpers, busybox pulled from a local registry:
 *   - `docker run --rm --network none busybox true`, and with the default bridge network (median of N)
 *   - 20 × `docker run -d busybox sleep 600`, 4 at a time (total wall time)
 *   - `docker ps -a` with 100 containers made by `docker create` (median of 10)
 *   - `docker exec C true` (median of N)
 *   - the engine's share: run --rm and exec through the API by dockerode, and the CLI's own cost
 *     (`docker --version`, `docker version`; api-latency.ts)
 *   - the CLI's floor: each of those commands against a server that answers at once with what
 *     the daemon answered (cli-floor.ts); the runtime's: `crun run` of a container's bundle from a
 *     shell in the daemon's namespaces (runtime-floor.ts)
 *   - idle memory of the whole daemon tree (RSS, PSS and anonymous memory of every process, and the
 *     tree's footprint: see treeFootprintKiB)
 * Writes bench/results/run.json.   Run: node scripts/bench.mjs run   (BENCH_RUNS=20 by default;
 * RLT_BENCH_MAIN=/path/dist/cli/main.js measures another build)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushBusybox } from '../../test/fixtures/images.js';
import { startRegistry } from '../../test/fixtures/registry.js';
import { type Daemon, sleep, startDaemon } from '../../test/helpers/index.js';
import { apiFigures } from './api-latency.js';
import {
  cli,
  cliOk,
  footprintSeries,
  machine,
  type ProcMemory,
  pool,
  procMemory,
  roleOf,
  round,
  stats,
  timed,
  treeFootprintKiB,
} from './cli.js';
import { type Captured, capture, captureList, cliFloor } from './cli-floor.js';
import { runtimeFloor } from './runtime-floor.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const PS_CONTAINERS = 100;
const PS_RUNS = 10;
const DETACHED = 20;
const PARALLEL = 4;

async function samples(n: number, args: readonly string[], d: Daemon): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await cliOk(d, args)).ms);
  return out;
}

const registry = await startRegistry();
await pushBusybox(registry);
const image = `${registry.host}/library/busybox`;
// RLT_BENCH_MAIN: another build's dist/cli/main.js (to alternate old and new builds; see compare.ts).
const daemon = await startDaemon(process.env.RLT_BENCH_MAIN ? { main: process.env.RLT_BENCH_MAIN } : {});
const figures: Record<string, unknown> = {};
try {
  await cliOk(daemon, ['pull', image]);
  await cliOk(daemon, ['tag', image, 'busybox']);
  figures.runtime = (await cliOk(daemon, ['info', '--format', '{{.DefaultRuntime}}'])).stdout.trim();
  // Warm-up (page cache, first bridge set-up), not counted.
  for (const net of ['none', 'bridge'])
    await cliOk(daemon, ['run', '--rm', '--network', net, 'busybox', 'true']);

  const none = ['run', '--rm', '--network', 'none', 'busybox', 'true'];
  const bridge = ['run', '--rm', 'busybox', 'true'];
  figures.runRmNetworkNone = {
    command: `docker ${none.join(' ')}`,
    ...stats(await samples(RUNS, none, daemon)),
  };
  console.log('run --rm --network none', figures.runRmNetworkNone);
  figures.runRmBridge = {
    command: `docker ${bridge.join(' ')}`,
    ...stats(await samples(RUNS, bridge, daemon)),
  };
  console.log('run --rm (bridge)', figures.runRmBridge);

  const each: number[] = [];
  const wall = await timed(() =>
    pool(DETACHED, PARALLEL, async (i) => {
      each.push((await cliOk(daemon, ['run', '-d', '--name', `bench-d${i}`, 'busybox', 'sleep', '600'])).ms);
    }),
  );
  figures.runDetachedParallel = {
    command: `${DETACHED} × docker run -d --name bench-dN busybox sleep 600, ${PARALLEL} at a time`,
    totalWallMs: round(wall),
    perCommand: stats(each),
  };
  console.log('run -d ×20 /4', figures.runDetachedParallel);

  const execArgs = ['exec', 'bench-d0', 'true'];
  await cliOk(daemon, execArgs);
  figures.execTrue = {
    command: `docker ${execArgs.join(' ')}`,
    ...stats(await samples(RUNS, execArgs, daemon)),
  };
  console.log('exec true', figures.execTrue);

  Object.assign(figures, await apiFigures(daemon, 'busybox', 'bench-d0', RUNS));
  console.log(
    'api and cli floor',
    figures.cliVersionOnly,
    figures.cliOneRoundTrip,
    figures.apiRunRmNetworkNone,
    figures.apiExecTrue,
  );

  // What the daemon answered, for the CLI's floor below (cli-floor.ts).
  const captured: Captured = await capture(daemon, 'bench-d0');
  const runningId = (JSON.parse(captured.containerInspect) as { Id: string }).Id;
  figures.runtimeFloor = await runtimeFloor(daemon, runningId, String(figures.runtime), RUNS);
  console.log('runtime floor', figures.runtimeFloor);
  await cliOk(daemon, ['rm', '-f', ...Array.from({ length: DETACHED }, (_, i) => `bench-d${i}`)]);

  await pool(PS_CONTAINERS, PARALLEL, (i) =>
    cliOk(daemon, ['create', '--name', `bench-c${i}`, 'busybox', 'true']),
  );
  const psArgs = ['ps', '-a'];
  const listed = (await cliOk(daemon, psArgs)).stdout.trim().split('\n').length - 1;
  figures.psAll = {
    command: `docker ps -a (${listed} containers, made with docker create)`,
    ...stats(await samples(PS_RUNS, psArgs, daemon)),
  };
  console.log('ps -a', figures.psAll);
  captured.containerList = await captureList(daemon, captured.api);
  figures.cliFloor = await cliFloor(daemon, captured, RUNS);
  console.log('cli floor', figures.cliFloor);
  await cliOk(daemon, ['rm', '-f', ...Array.from({ length: PS_CONTAINERS }, (_, i) => `bench-c${i}`)]);

  // Idle: no containers, nothing in flight for a few seconds.
  await sleep(5000);
  const procs = daemon
    .processes()
    .map((pid) => procMemory(pid))
    .filter((p): p is ProcMemory => p !== undefined)
    .map((p) => ({ role: roleOf(daemon, p.pid), ...p }));
  const total = (k: 'vmRssKiB' | 'pssKiB' | 'anonKiB') => procs.reduce((a, p) => a + p[k], 0);
  figures.idleMemory = {
    how: 'after all containers were removed and 5 s idle, of the launcher, its descendants and every process named by a pid file: totalMiB sums VmRSS (/proc/PID/status; node code counted once per process), totalPssMiB sums PSS and totalAnonMiB anonymous memory (/proc/PID/smaps_rollup), footprintMiB is every process anonymous memory plus each mapped file pages once (what PSS sums to when nothing else on the machine maps node)',
    totalMiB: round(total('vmRssKiB') / 1024),
    totalPssMiB: round(total('pssKiB') / 1024),
    totalAnonMiB: round(total('anonKiB') / 1024),
    footprintMiB: round(treeFootprintKiB(procs.map((p) => p.pid)) / 1024),
    processes: procs.map((p) => ({
      ...p,
      vmRssMiB: round(p.vmRssKiB / 1024),
      pssMiB: round(p.pssKiB / 1024),
      anonMiB: round(p.anonKiB / 1024),
    })),
  };
  (figures.idleMemory as Record<string, unknown>).footprintEvery5sAfterThatMiB =
    await footprintSeries(daemon);
  console.log('idle memory', figures.idleMemory);
} finally {
  await cli(daemon, ['rm', '-f', ...Array.from({ length: DETACHED }, (_, i) => `bench-d${i}`)]).catch(
    () => {},
  );
  await daemon.stop();
  await registry.stop();
}
const summary = {
  bench: 'run',
  cli: 'docker CLI 28 (/usr/local/bin/docker), spawned with the test user uid/gid',
  image: 'busybox (test/fixtures, local registry)',
  runs: RUNS,
  ...figures,
  machine: machine(),
  at: new Date().toISOString(),
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'run.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
