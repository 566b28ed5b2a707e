/**
 * `docker build` with the classic builder: a six-step Dockerfile (FROM, ENV, WORKDIR, COPY, RUN,
 * CMD) built without the cache (`--no-cache`: one RUN container, two created ones for WORKDIR
 * and COPY, three layerless metadata images) and with it (every step `Using cache`). Medians
 * over BENCH_RUNS runs each, alternated, with the load average before and after.
 *   node --import tsx bench/run/build.ts   (BENCH_RUNS=9)
 */
import { chownSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pushBusybox } from '../../test/fixtures/images.js';
import { startRegistry } from '../../test/fixtures/registry.js';
import { startDaemon } from '../../test/helpers/index.js';
import { CI_DIR, makeUserDir } from '../../test/helpers/test-user.js';
import { cliOk, median, round } from './cli.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);

const registry = await startRegistry();
await pushBusybox(registry);
const image = `${registry.host}/library/busybox`;
const daemon = await startDaemon({});
const dir = makeUserDir(daemon.user, CI_DIR, 'bench-build-');
try {
  await cliOk(daemon, ['pull', image]);
  const files: Record<string, string> = {
    Dockerfile: `FROM ${image}\nENV A=1\nWORKDIR /app\nCOPY . .\nRUN echo hi > /x\nCMD ["sh"]\n`,
    'a.txt': 'a\n',
    'b.txt': 'b\n',
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text, { mode: 0o644 });
    if (daemon.user.viaRunuser) chownSync(join(dir, name), daemon.user.uid, daemon.user.gid);
  }
  await cliOk(daemon, ['build', '-q', '-t', 'bench-build', dir]);
  const times: Record<string, number[]> = { 'no cache': [], cached: [] };
  const load0 = loadavg()[0] ?? 0;
  for (let i = 0; i < RUNS; i++) {
    (times['no cache'] as number[]).push((await cliOk(daemon, ['build', '-q', '--no-cache', dir])).ms);
    (times.cached as number[]).push((await cliOk(daemon, ['build', '-q', '-t', 'bench-build', dir])).ms);
  }
  const load1 = loadavg()[0] ?? 0;
  console.log(`load average (1 min) before ${load0.toFixed(2)}, after ${load1.toFixed(2)}; runs ${RUNS}`);
  for (const [label, xs] of Object.entries(times))
    console.log(
      `docker build (6 steps, ${label}): median ${round(median(xs))} ms (min ${round(Math.min(...xs))}, max ${round(Math.max(...xs))})`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await daemon.stop();
  await registry.stop();
}
