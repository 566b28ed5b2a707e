/**
 * Development aid: bytes allocated on the JS heap by one extraction of the blob (the second of
 * two; collected objects included), by function, for V8's sampling heap profiler. Each MiB
 * allocated is about one young-generation collection with the engine's 1 MiB semi-space.
 *   node --max-semi-space-size=1 --import tsx bench/pull/alloc-prof.ts [BLOB.tar.gz] [OUT]
 * then read OUT (a .heapprofile) in Chrome's DevTools or with a short script.
 */
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { applyLayerTar } from '../../src/engine/layers/extract/apply-tar.js';
import { decompressLayer } from '../../src/engine/layers/extract/decompress.js';
import { overlayWhiteouts } from '../../src/engine/layers/extract/whiteout-formats.js';

const blob = process.argv[2] || '/var/cache/rootlessd-test/minbase-bookworm.tar.gz';
const out = process.argv[3] || '/tmp/extract.heapprofile';
const parent = '/var/tmp/rlt-extract-bench';
mkdirSync(parent, { recursive: true });
const session = new Session();
session.connect();
for (let i = 0; i < 2; i++) {
  const a = await mkdtemp(`${parent}/x-`);
  if (i === 1)
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  const { stream } = await decompressLayer(createReadStream(blob));
  await applyLayerTar(a, stream, { whiteouts: overlayWhiteouts });
  if (i === 1) {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(out, JSON.stringify(profile));
    console.log(`wrote ${out}`);
  }
  await rm(a, { recursive: true, force: true });
}
