/**
 * Development aid: extraction alone, in this process, against `gzip -d | tar -x` of the same
 * blob, alternating, on the same file system (/var/tmp). Run as root (owners are kept).
 * Both extract under a folder with `chattr +T`, as the layer store (src/drivers/file-attributes.ts):
 * otherwise each run pays for the inodes the previous one freed (ext4 without a journal).
 *   node --import tsx bench/pull/extract-only.ts BLOB.tar.gz [ROUNDS]
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { applyLayerTar } from '../../src/engine/layers/extract/apply-tar.js';
import { decompressLayer } from '../../src/engine/layers/extract/decompress.js';
import { overlayWhiteouts } from '../../src/engine/layers/extract/whiteout-formats.js';

const blob = process.argv[2] || '/var/cache/rootlessd-test/minbase-bookworm.tar.gz';
const rounds = Number(process.argv[3] ?? 5);
const parent = '/var/tmp/rlt-extract-bench';
mkdirSync(parent, { recursive: true });
spawnSync('chattr', ['+T', parent]);
const ms = (t: bigint) => Math.round(Number(process.hrtime.bigint() - t) / 1e6);
for (let i = 0; i < rounds; i++) {
  const a = await mkdtemp(`${parent}/x-`);
  let t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const { stream } = await decompressLayer(createReadStream(blob));
  await applyLayerTar(a, stream, { whiteouts: overlayWhiteouts });
  const ours = ms(t);
  const cpu = process.cpuUsage(cpu0);
  const oursCpu = `${Math.round(cpu.user / 1000)}u+${Math.round(cpu.system / 1000)}s`;
  await rm(a, { recursive: true, force: true });
  if (process.env.SKIP_TAR) {
    console.log(`round ${i}: applyLayerTar ${ours} ms (cpu ${oursCpu} ms)`);
    continue;
  }
  const b = await mkdtemp(`${parent}/x-`);
  t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'sh', '-c', `gzip -dc ${blob} | tar -x -C ${b}`], {
    encoding: 'utf8',
  });
  const tar = ms(t);
  const [u, s] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  const tarCpu = `${Math.round((u ?? 0) * 1000)}u+${Math.round((s ?? 0) * 1000)}s`;
  await rm(b, { recursive: true, force: true });
  console.log(
    `round ${i}: applyLayerTar ${ours} ms (cpu ${oursCpu} ms), gzip|tar ${tar} ms (cpu ${tarCpu} ms)`,
  );
}
