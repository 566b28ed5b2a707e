/**
 * The engine's CPU for `docker run` work: 20 × `docker run -d busybox sleep 600`, 4 at a time,
 * and RUNS × `docker run --rm --network none busybox true`, with the engine's CPU time (utime,
 * stime from /proc) per phase. With ROOTLESSD_ENGINE_CPU_PROF=DIR the engine writes a V8 CPU
 * profile there when it stops (the folder must be writable by the test user).
 *   ROOTLESSD_ENGINE_CPU_PROF=/tmp/prof node --import tsx bench/run/profile-engine.ts
 * (RLT_BASE_APP=/var/tmp/base: the same with another build, as in compare.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushBusybox } from '../../test/fixtures/images.js';
import { startRegistry } from '../../test/fixtures/registry.js';
import { startDaemon } from '../../test/helpers/index.js';
import { cli, cliOk, median, pool, round, timed } from './cli.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const prof = process.env.ROOTLESSD_ENGINE_CPU_PROF;

/** utime+stime in ms of a process (all its threads), from /proc/PID/stat. */
function cpuMs(pid: number | undefined): number {
  const [u, s] = cpuSplit(pid);
  return u + s;
}
function cpuSplit(pid: number | undefined): [number, number] {
  if (!pid) return [0, 0];
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return [Number(f[11]) * 10, Number(f[12]) * 10];
}
function rssMiB(pid: number | undefined): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}

const registry = await startRegistry();
await pushBusybox(registry);
const image = `${registry.host}/library/busybox`;
// RLT_BASE_APP: run another build's engine (a folder with dist/, node_modules/, package.json).
const base = process.env.RLT_BASE_APP;
const daemon = await startDaemon({
  daemonJson: { 'log-level': process.env.BENCH_LOG_LEVEL ?? 'info' },
  ...(base ? { main: join(base, 'dist', 'cli', 'main.js') } : {}),
  ...(prof ? { env: { ROOTLESSD_ENGINE_CPU_PROF: prof } } : {}),
});
try {
  await cliOk(daemon, ['pull', '-q', image]);
  await cliOk(daemon, ['tag', image, 'busybox']);
  await cliOk(daemon, ['run', '--rm', '--network', 'none', 'busybox', 'true']);
  const engine = daemon.pids().engine;
  const s0 = cpuSplit(engine);
  for (let r = 0; r < 2; r++) {
    const c0 = cpuMs(engine);
    const wall = await timed(() =>
      pool(20, 4, (i) => cliOk(daemon, ['run', '-d', '--name', `p-${r}-${i}`, 'busybox', 'sleep', '600'])),
    );
    const c1 = cpuMs(engine);
    await cli(daemon, ['rm', '-f', ...Array.from({ length: 20 }, (_, i) => `p-${r}-${i}`)]);
    const c2 = cpuMs(engine);
    console.log(
      `run -d ×20 /4: wall ${round(wall)} ms, engine cpu ${c1 - c0} ms; rm -f ×20 cpu ${c2 - c1} ms`,
    );
  }
  const times: number[] = [];
  const c0 = cpuMs(engine);
  for (let i = 0; i < RUNS; i++)
    times.push((await cliOk(daemon, ['run', '--rm', '--network', 'none', 'busybox', 'true'])).ms);
  const c1 = cpuMs(engine);
  const s1 = cpuSplit(engine);
  console.log(`engine user ${s1[0] - s0[0]} ms, system ${s1[1] - s0[1]} ms, rss ${rssMiB(engine)} MiB`);
  console.log(
    `run --rm none: median ${round(median(times))} ms, engine cpu ${round((c1 - c0) / RUNS)} ms each`,
  );
} finally {
  await daemon.stop();
  await registry.stop();
}
