/**
 * Pull benchmark: the Debian minbase image from a local registry, pulled by rootlessd cold
 * (nothing stored) and warm (its layers present under another name), against the floor of
 * `curl | gzip -d | tar -x` of the same blobs. Rounds alternate the contenders, and their
 * order rotates from round to round, so that a burst of load on this shared machine hits
 * them alike; each round also gives a paired ratio (ours / floor of the same round), whose
 * median is steadier than the ratio of two medians. Writes bench/results/pull.json.
 *   node scripts/bench.mjs pull                     (BENCH_RUNS rounds, 7 by default)
 *   BENCH_OLD_APP=/path/to/other/checkout node scripts/bench.mjs pull
 * BENCH_OLD_APP adds a second daemon running that checkout's dist/ (readable by the test
 * user), pulled in the same rounds as `old`: before/after figures taken at the same moment.
 * The floor extracts into a folder whose parent carries `chattr +T`, as the layer store's
 * does (see src/drivers/file-attributes.ts): both get a fresh ext4 block group, so neither
 * pays for the inodes the previous round freed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushMinbase } from '../../test/fixtures/images.js';
import { startRegistry } from '../../test/fixtures/registry.js';
import { type Daemon, dockerOk, startDaemon } from '../../test/helpers/index.js';
import { runAsUser } from '../../test/helpers/test-user.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const OLD_APP = process.env.BENCH_OLD_APP;

function nowMs(): bigint {
  return process.hrtime.bigint();
}
const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { median: round(q(0.5)), min: round(s[0] ?? 0), max: round(s.at(-1) ?? 0), all: xs.map(round) };
}

/** utime+stime (ms) of a process and its threads, from /proc/PID/stat. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

const registry = await startRegistry();
const digest = await pushMinbase(registry, 'library/debian:bookworm');
const manifest = (await (
  await fetch(`${registry.url}/v2/library/debian/manifests/${digest}`, {
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  })
).json()) as { layers: { digest: string; size: number }[] };
const ref = `${registry.host}/library/debian:bookworm`;

const daemons: [string, Daemon][] = [['ours', await startDaemon()]];
if (OLD_APP) daemons.push(['old', await startDaemon({ main: join(OLD_APP, 'dist', 'cli', 'main.js') })]);
const first = daemons[0]![1];
const floorRoot = join(first.base, 'floor');
await runAsUser(first.user, 'mkdir', ['-p', floorRoot], first.cliEnv, {});
await runAsUser(first.user, 'chattr', ['+T', floorRoot], first.cliEnv, {});

const wall: Record<string, number[]> = { floor: [] };
const cpu: Record<string, number[]> = {};
const warm: Record<string, number[]> = {};
const ratio: Record<string, number[]> = {};
for (const [name] of daemons) {
  wall[name] = [];
  cpu[name] = [];
  warm[name] = [];
  ratio[name] = [];
}

async function pullCold(name: string, d: Daemon, i: number): Promise<void> {
  const engine = d.pids().engine;
  const c0 = cpuMs(engine);
  const t = nowMs();
  await dockerOk(d, ['pull', '-q', ref], { timeoutMs: 600_000 });
  wall[name]!.push(since(t));
  cpu[name]!.push(cpuMs(engine) - c0);
  // Warm: same layers under a new name; only the manifest and config are fetched.
  await dockerOk(d, ['tag', ref, `warm${i}:x`]);
  await dockerOk(d, ['rmi', ref]);
  const tw = nowMs();
  await dockerOk(d, ['pull', '-q', ref]);
  warm[name]!.push(since(tw));
  await dockerOk(d, ['rmi', ref, `warm${i}:x`]);
}

async function floor(i: number): Promise<void> {
  const dir = join(floorRoot, `tar-${i}`);
  const urls = manifest.layers.map((l) => `${registry.url}/v2/library/debian/blobs/${l.digest}`);
  const script = `mkdir -p ${dir} && for u in ${urls.join(' ')}; do curl -sSfL "$u" | gzip -d | tar -x -C ${dir} || exit 1; done`;
  const t = nowMs();
  const r = await runAsUser(first.user, 'sh', ['-c', script], first.cliEnv, {});
  if (r.exitCode !== 0) throw new Error(r.stderr);
  wall.floor!.push(since(t));
  await runAsUser(first.user, 'rm', ['-rf', dir], first.cliEnv, {});
}

const load0 = loadavg()[0]!;
try {
  const contenders: [string, (i: number) => Promise<void>][] = [
    ...daemons.map(([name, d]): [string, (i: number) => Promise<void>] => [
      name,
      (i) => pullCold(name, d, i),
    ]),
    ['floor', floor],
  ];
  for (let i = 0; i < RUNS; i++) {
    // Rotate who goes first, so that no contender always follows the same one.
    const order = contenders.map((_, k) => contenders[(k + i) % contenders.length]!);
    for (const [, run] of order) await run(i);
    const f = wall.floor!.at(-1)!;
    for (const [name] of daemons) ratio[name]!.push(wall[name]!.at(-1)! / f);
    console.error(
      `round ${i}: ${[...daemons.map(([n]) => n), 'floor'].map((n) => `${n} ${Math.round(wall[n]!.at(-1)!)} ms`).join(', ')}`,
    );
  }
} finally {
  for (const [, d] of daemons) await d.stop();
  await registry.stop();
}
let uptime = '';
try {
  uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
} catch {}
const summary = {
  image: 'debian bookworm minbase',
  layers: manifest.layers.length,
  compressedBytes: manifest.layers.reduce((a, l) => a + l.size, 0),
  runs: RUNS,
  coldMs: Object.fromEntries(Object.entries(wall).map(([k, v]) => [k, stats(v)])),
  coldOverFloor: Object.fromEntries(Object.entries(ratio).map(([k, v]) => [k, stats(v)])),
  engineCpuMs: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, stats(v)])),
  warmMs: Object.fromEntries(Object.entries(warm).map(([k, v]) => [k, stats(v)])),
  load: { before: load0, after: loadavg()[0], uptime },
  oldApp: OLD_APP ?? null,
  at: new Date().toISOString(),
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'pull.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
