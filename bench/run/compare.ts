/**
 * Old build against new build, at the same moment (issue 5): two daemons of the test user, one
 * running this checkout's dist/ and one another build's (RLT_BASE_APP: a folder with dist/,
 * node_modules/ and package.json that the test user can read, e.g. a copy of main's), both at
 * log level debug. Commands alternate between the two daemons, so load from other work on the
 * machine falls on both alike:
 *   - `docker run --rm --network none busybox true`, `docker run --rm busybox true` (bridge)
 *   - `docker exec C true`
 *   - 20 × `docker run -d busybox sleep 600`, 4 at a time (ROUNDS rounds each)
 *   - `docker version` (the CLI's own share plus one round trip)
 *   - with 100 containers made by `docker create`: `docker ps -a`, and its request alone
 *     (`GET /containers/json?all=1` by curl on the socket, curl's time_total)
 * Prints medians per build and the median of each debug span (`span` steps and every program
 * run, `ran`) over the measured runs, with the load average before and after.
 *   RLT_BASE_APP=/tmp/base node --import tsx bench/run/compare.ts   (BENCH_RUNS=15, BENCH_ROUNDS=2,
 *   BENCH_CASES=exec,none,bridge,version,-d,ps to run only some)
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pushBusybox } from '../../test/fixtures/images.js';
import { startRegistry } from '../../test/fixtures/registry.js';
import { type Daemon, startDaemon } from '../../test/helpers/index.js';
import { cli, cliOk, median, pool, round, timed } from './cli.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const base = process.env.RLT_BASE_APP;
if (!base) throw new Error('set RLT_BASE_APP to the folder of the build to compare against');

interface Build {
  name: string;
  daemon: Daemon;
  times: Record<string, number[]>;
  spans: Record<string, Record<string, number[]>>;
}

const logOf = (d: Daemon) => join(d.base, 'daemon.log');
const sizeOf = (f: string) => statSync(f).size;

/** `span` and `ran` lines written to the daemon's log since `from`, by step (or program). */
function spansSince(d: Daemon, from: number, into: Record<string, number[]>): void {
  const text = readFileSync(logOf(d)).subarray(from).toString();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as {
        msg?: string;
        step?: string;
        cmd?: string;
        ms?: number;
        module?: string;
      };
      if (typeof o.ms !== 'number') continue;
      const key =
        o.step !== undefined
          ? `${o.module}:${o.step}`
          : o.msg === 'ran'
            ? `ran ${program(o.cmd ?? '')}`
            : undefined;
      if (!key) continue;
      into[key] ??= [];
      into[key].push(o.ms);
    } catch {}
  }
}

/** A command line without its pids, paths and ids: `nsenter --net=/proc/N/ns/net -- ip -batch -`. */
function program(cmd: string): string {
  return cmd
    .replace(/\/proc\/\d+\//g, '/proc/N/')
    .replace(/\s\/\S+/g, ' PATH')
    .replace(/\b[0-9a-f]{64}\b/g, 'ID')
    .split(' ')
    .slice(0, 6)
    .join(' ');
}

async function measured(b: Build, label: string, fn: () => Promise<number>): Promise<void> {
  const from = sizeOf(logOf(b.daemon));
  const ms = await fn();
  b.times[label] ??= [];
  b.times[label].push(ms);
  b.spans[label] ??= {};
  spansSince(b.daemon, from, b.spans[label]);
}

/** GET PATH on the daemon's socket by curl as its user: curl's own time_total in ms. */
function curlMs(d: Daemon, path: string): Promise<number> {
  const ids = d.user.viaRunuser ? { uid: d.user.uid, gid: d.user.gid } : {};
  return new Promise((resolve, reject) => {
    const child = spawn(
      'curl',
      ['-sf', '-o', '/dev/null', '-w', '%{time_total}', '--unix-socket', d.socket, `http://d${path}`],
      { cwd: '/', env: d.cliEnv, stdio: ['ignore', 'pipe', 'inherit'], ...ids },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Number(out) * 1000) : reject(new Error(`curl ${path} exited ${code}`)),
    );
  });
}

const registry = await startRegistry();
await pushBusybox(registry);
const image = `${registry.host}/library/busybox`;
const daemonJson = { 'log-level': 'debug' };
const builds: Build[] = [];
try {
  for (const [name, main] of [
    ['old', join(base, 'dist', 'cli', 'main.js')],
    ['new', undefined],
  ] as const) {
    const daemon = await startDaemon({ daemonJson, ...(main ? { main } : {}) });
    builds.push({ name, daemon, times: {}, spans: {} });
    await cliOk(daemon, ['pull', image]);
    await cliOk(daemon, ['tag', image, 'busybox']);
    for (const net of ['none', 'bridge'])
      await cliOk(daemon, ['run', '--rm', '--network', net, 'busybox', 'true']);
    await cliOk(daemon, ['run', '-d', '--name', 'exec-target', 'busybox', 'sleep', '600']);
  }
  const load0 = loadavg()[0] ?? 0;
  const cases: Array<[string, string[]]> = [
    ['version', ['version']],
    ['run --rm --network none', ['run', '--rm', '--network', 'none', 'busybox', 'true']],
    ['run --rm (bridge)', ['run', '--rm', 'busybox', 'true']],
    ['exec true', ['exec', 'exec-target', 'true']],
  ];
  // BENCH_CASES=exec,bridge: only the cases whose label contains one of the words.
  const only = process.env.BENCH_CASES?.split(',').filter(Boolean);
  const chosen = only ? cases.filter(([label]) => only.some((w) => label.includes(w))) : cases;
  for (let i = 0; i < RUNS; i++) {
    for (const [label, args] of chosen) {
      // Alternate which build goes first.
      for (const b of i % 2 ? [...builds].reverse() : builds)
        await measured(b, label, async () => (await cliOk(b.daemon, args)).ms);
    }
  }
  const PS = 100;
  const psCases: Array<[string, (b: Build) => Promise<number>]> = [
    [`ps -a (${PS} containers)`, async (b) => (await cliOk(b.daemon, ['ps', '-a'])).ms],
    [`GET /containers/json?all=1 (${PS}, curl)`, (b) => curlMs(b.daemon, '/v1.50/containers/json?all=1')],
  ];
  if (!only || only.includes('ps')) {
    for (const b of builds)
      await pool(PS, 4, (i) => cliOk(b.daemon, ['create', '--name', `ps-${i}`, 'busybox', 'true']));
    for (let i = 0; i < RUNS; i++)
      for (const [label, fn] of psCases)
        for (const b of i % 2 ? [...builds].reverse() : builds) await measured(b, label, () => fn(b));
    for (const b of builds)
      await cli(b.daemon, ['rm', '-f', ...Array.from({ length: PS }, (_, i) => `ps-${i}`)]);
  }
  for (let r = 0; r < (only && !only.includes('-d') ? 0 : ROUNDS); r++) {
    for (const b of r % 2 ? [...builds].reverse() : builds) {
      await measured(b, 'run -d ×20 /4 (wall)', () =>
        timed(() =>
          pool(20, 4, (i) =>
            cliOk(b.daemon, ['run', '-d', '--name', `bench-${r}-${i}`, 'busybox', 'sleep', '600']),
          ),
        ),
      );
      await cli(b.daemon, ['rm', '-f', ...Array.from({ length: 20 }, (_, i) => `bench-${r}-${i}`)]);
    }
  }
  const load1 = loadavg()[0] ?? 0;
  console.log(`load average (1 min) before ${load0.toFixed(2)}, after ${load1.toFixed(2)}; runs ${RUNS}`);
  for (const [label] of [...cases, ...psCases, ['run -d ×20 /4 (wall)']]) {
    const row = builds.map((b) => `${b.name} ${round(median(b.times[label as string] ?? []))}`).join('  ');
    console.log(`\n## ${label}: median ms  ${row}`);
    const keys = new Set(builds.flatMap((b) => Object.keys(b.spans[label as string] ?? {})));
    for (const k of [...keys].sort()) {
      const cells = builds.map((b) => {
        const xs = b.spans[label as string]?.[k] ?? [];
        return `${b.name} ${xs.length ? `${round(median(xs))}×${round(xs.length / (b.times[label as string]?.length ?? 1), 1)}` : '-'}`;
      });
      console.log(`   ${k.padEnd(60)} ${cells.join('  ')}`);
    }
  }
} finally {
  for (const b of builds) {
    await cli(b.daemon, ['rm', '-f', 'exec-target']).catch(() => undefined);
    await b.daemon.stop();
  }
  await registry.stop();
}
