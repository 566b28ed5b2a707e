/**
 * Development aid: layer extraction (gunzip + tar) of two builds alternated in one process,
 * this checkout's dist/ against another's (the session's start build), each fed the blob in
 * 64 KiB chunks, one per event loop turn, through a 1 MiB PassThrough, as the registry and
 * the pull's tee deliver it. Per build: wall, the main thread's busy time (event loop
 * utilization), GC time and process CPU, medians and the per-round ratio to the other build.
 * Run as root (owners are kept), after `npm run build`.
 *   node --import tsx bench/pull/extract-compare.ts /var/tmp/base6 [ROUNDS] [BLOB.tar.gz]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { PassThrough, Readable as ReadableStream } from 'node:stream';
import { fileURLToPath } from 'node:url';

interface Build {
  applyLayerTar: (root: string, input: Readable, options: { whiteouts: unknown }) => Promise<unknown>;
  decompressLayer: (input: Readable) => Promise<{ stream: Readable }>;
  whiteouts: unknown;
}

const oldApp = process.argv[2];
if (!oldApp) throw new Error('usage: extract-compare.ts OLD_APP [ROUNDS] [BLOB]');
const rounds = Number(process.argv[3] ?? 12);
const blob = process.argv[4] || '/var/cache/rootlessd-test/minbase-bookworm.tar.gz';
const here = resolve(fileURLToPath(import.meta.url), '../../..');

async function load(app: string): Promise<Build> {
  const dir = join(app, 'dist', 'engine', 'layers', 'extract');
  return {
    applyLayerTar: (await import(join(dir, 'apply-tar.js'))).applyLayerTar,
    decompressLayer: (await import(join(dir, 'decompress.js'))).decompressLayer,
    whiteouts: (await import(join(dir, 'whiteout-formats.js'))).overlayWhiteouts,
  };
}
const builds: [string, Build][] = [
  ['old', await load(resolve(oldApp))],
  ['new', await load(here)],
];

const parent = '/var/tmp/rlt-extract-bench';
mkdirSync(parent, { recursive: true });
spawnSync('chattr', ['+T', parent]);
const data = readFileSync(blob);

function source(): Readable {
  let offset = 0;
  const chunks = new ReadableStream({
    read() {
      setImmediate(() => {
        if (offset >= data.length) this.push(null);
        else this.push(data.subarray(offset, offset + 65536));
        offset += 65536;
      });
    },
  });
  return chunks.pipe(new PassThrough({ highWaterMark: 1024 * 1024 }));
}

let gcTotal = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcTotal += e.duration;
}).observe({ entryTypes: ['gc'] });

const figures = ['wall', 'busy', 'gc', 'cpu'] as const;
const results = new Map(
  builds.map(([name]) => [
    name,
    { wall: [], busy: [], gc: [], cpu: [] } as Record<(typeof figures)[number], number[]>,
  ]),
);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; i < rounds; i++) {
  for (const [name, build] of i % 2 ? builds : [...builds].reverse()) {
    const dir = await mkdtemp(`${parent}/x-`);
    await pause(20);
    const gc0 = gcTotal;
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const t = performance.now();
    const { stream } = await build.decompressLayer(source());
    await build.applyLayerTar(dir, stream, { whiteouts: build.whiteouts });
    const r = results.get(name)!;
    r.wall.push(performance.now() - t);
    r.busy.push(performance.eventLoopUtilization(elu0).active);
    const cpu = process.cpuUsage(cpu0);
    r.cpu.push((cpu.user + cpu.system) / 1000);
    await pause(5);
    r.gc.push(gcTotal - gc0);
    await rm(dir, { recursive: true, force: true });
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const old = results.get('old')!;
for (const [name, r] of results) {
  const parts = figures.map((f) => `${f} ${Math.round(median(r[f]))}`);
  const paired = median(r.wall.map((w, i) => w / old.wall[i]!)).toFixed(3);
  const pairedCpu = median(r.cpu.map((c, i) => c / old.cpu[i]!)).toFixed(3);
  console.log(`${name}: ${parts.join(' ms, ')} ms; paired new/old wall ${paired}, cpu ${pairedCpu}`);
}
