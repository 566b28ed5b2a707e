/**
 * Pull benchmark: the Debian minbase image from a local registry, pulled by rootlessd cold
 * (nothing stored) and warm (its layers present under another name), against the floor of
 * `curl | gzip -d | tar -x` of the same blobs. Writes bench/results/pull.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushMinbase } from '../../test/fixtures/images.js';
import { startRegistry } from '../../test/fixtures/registry.js';
import { dockerOk, startDaemon } from '../../test/helpers/index.js';
import { runAsUser } from '../../test/helpers/test-user.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const registry = await startRegistry();
const digest = await pushMinbase(registry, 'library/debian:bookworm');
const manifest = (await (
  await fetch(`${registry.url}/v2/library/debian/manifests/${digest}`, {
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  })
).json()) as { layers: { digest: string; size: number }[] };
const daemon = await startDaemon();
const results: Record<string, number[]> = { cold: [], warm: [], curlGzipTar: [] };
try {
  const ref = `${registry.host}/library/debian:bookworm`;
  for (let i = 0; i < RUNS; i++) {
    results.cold?.push(await timed(() => dockerOk(daemon, ['pull', ref], { timeoutMs: 600_000 })));
    await dockerOk(daemon, ['tag', ref, `warm${i}:x`]);
    // Warm: same layers, a new name and a new tag; only the manifest and config are fetched.
    await dockerOk(daemon, ['rmi', ref]);
    results.warm?.push(await timed(() => dockerOk(daemon, ['pull', ref])));
    await dockerOk(daemon, ['rmi', ref, `warm${i}:x`]);
    const dir = join(daemon.base, `tar-${i}`);
    const urls = manifest.layers.map((l) => `${registry.url}/v2/library/debian/blobs/${l.digest}`);
    const script = `mkdir -p ${dir} && for u in ${urls.join(' ')}; do curl -sSfL "$u" | gzip -d | tar -x -C ${dir} || exit 1; done`;
    results.curlGzipTar?.push(
      await timed(async () => {
        const r = await runAsUser(daemon.user, 'sh', ['-c', script], daemon.cliEnv, {});
        if (r.exitCode !== 0) throw new Error(r.stderr);
      }),
    );
    await runAsUser(daemon.user, 'rm', ['-rf', dir], daemon.cliEnv, {});
  }
} finally {
  await daemon.stop();
  await registry.stop();
}
const summary = {
  image: 'debian bookworm minbase',
  layers: manifest.layers.length,
  compressedBytes: manifest.layers.reduce((a, l) => a + l.size, 0),
  runs: RUNS,
  medianMs: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(median(v))])),
  allMs: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.map(Math.round)])),
  at: new Date().toISOString(),
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'pull.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
