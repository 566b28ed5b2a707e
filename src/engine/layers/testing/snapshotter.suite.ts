// Inner tests: the shared snapshotter suite, run against every driver inside a user
// namespace by ../layers-userns.test.ts. Not named *.test.ts: the plain unit run skips it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { mountAll, unmount } from '../../../drivers/mount.js';
import { Conflict, InvalidParameter } from '../../../errdefs/index.js';
import { applyLayer, findLayer, LAYER_LABELS } from '../apply-layer.js';
import { chainIdOf } from '../chain-id.js';
import { createSnapshotter } from '../create-snapshotter.js';
import { detectStorageDriver } from '../detect.js';
import { type SnapshotInfo, STORAGE_DRIVERS } from '../types.js';
import { buildTar } from './tar-fixtures.js';

const layer1 = buildTar([
  { name: 'etc/', mode: 0o755 },
  { name: 'etc/a', content: 'a1' },
  { name: 'etc/b', content: 'b1' },
  { name: 'opq/', mode: 0o755 },
  { name: 'opq/x', content: 'x' },
  { name: 'keep/', mode: 0o755 },
  { name: 'keep/k', content: 'k', uid: 1000, gid: 1000 },
]);
const layer2 = buildTar([
  { name: 'etc/', mode: 0o755 },
  { name: 'etc/a', content: 'a2' },
  { name: 'etc/.wh.b' },
  { name: 'opq/', mode: 0o755 },
  { name: 'opq/.wh..wh..opq' },
  { name: 'opq/y', content: 'y' },
]);

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

const read = (p: string) => readFile(p, 'utf8');

for (const driver of STORAGE_DRIVERS) {
  describe(`snapshotter ${driver}`, () => {
    test('a chain of two layers with an overlap, a whiteout and an opaque dir', async () => {
      const dataRoot = await mkdtemp(join(tmpdir(), `rlt-snap-${driver}-`));
      roots.push(dataRoot);
      const sn = createSnapshotter(dataRoot, driver);
      assert.equal(sn.driver, driver);

      const l1 = await applyLayer(sn, Readable.from([await layer1]));
      assert.equal(l1.chainId, l1.diffId);
      assert.equal(l1.reused, false);
      const l2 = await applyLayer(sn, Readable.from([await layer2]), { parent: l1.chainId });
      assert.equal(l2.chainId, chainIdOf(l1.chainId, l2.diffId));
      assert.ok(existsSync(join(dataRoot, 'layers', driver, l2.chainId.slice('sha256:'.length), 'diff')));
      const again = await applyLayer(sn, Readable.from([await layer1]));
      assert.equal(again.reused, true);
      assert.equal(again.chainId, l1.chainId);
      const info = await findLayer(sn, l2.chainId);
      assert.equal(info?.parent, l1.chainId);
      assert.equal(info?.labels[LAYER_LABELS.diffId], l2.diffId);
      assert.equal(info?.labels[LAYER_LABELS.size], '3');
      const seen: SnapshotInfo[] = [];
      await sn.walk((i) => {
        seen.push(i);
      });
      assert.deepEqual(seen.map((s) => s.key).sort(), [l1.chainId, l2.chainId].sort());
      assert.ok((await sn.usage(l1.chainId)).inodes >= 7);

      // A container snapshot on top, mounted.
      const mounts = await sn.prepare('container-1', l2.chainId);
      const target = join(dataRoot, 'mnt');
      await mkdir(target);
      await mountAll(mounts, target);
      try {
        assert.equal(await read(join(target, 'etc/a')), 'a2');
        assert.equal(existsSync(join(target, 'etc/b')), false);
        assert.equal(existsSync(join(target, 'opq/x')), false);
        assert.equal(await read(join(target, 'opq/y')), 'y');
        assert.equal(await read(join(target, 'keep/k')), 'k');
        await writeFile(join(target, 'etc/new'), 'container');
        await rm(join(target, 'keep/k'));
      } finally {
        await unmount(target);
      }
      assert.equal(existsSync(join(target, 'etc')), false, 'unmounted');
      // The write landed in the container snapshot only; the layers are untouched.
      const upper = await sn.writableDir('container-1');
      assert.equal(await read(join(upper, 'etc/new')), 'container');
      await mountAll(await sn.mounts('container-1'), target);
      try {
        assert.equal(await read(join(target, 'etc/new')), 'container');
        assert.equal(existsSync(join(target, 'keep/k')), false);
      } finally {
        await unmount(target);
      }

      // A read-only view of the same chain.
      await mountAll(await sn.view('view-1', l2.chainId), target);
      try {
        assert.equal(await read(join(target, 'etc/a')), 'a2');
        assert.equal(await read(join(target, 'keep/k')), 'k');
        await assert.rejects(writeFile(join(target, 'etc/nope'), 'x'), /EROFS|EPERM|EACCES/);
      } finally {
        await unmount(target);
      }

      await assert.rejects(sn.remove(l1.chainId), Conflict);
      await sn.remove('view-1');
      await sn.remove('container-1');
      await sn.remove(l2.chainId);
      await sn.remove(l1.chainId);
      const left: string[] = [];
      await sn.walk((i) => {
        left.push(i.key);
      });
      assert.deepEqual(left, []);
    });

    test('a failed extraction leaves no layer behind', async () => {
      const dataRoot = await mkdtemp(join(tmpdir(), `rlt-snap-${driver}-`));
      roots.push(dataRoot);
      const sn = createSnapshotter(dataRoot, driver);
      const bad = await buildTar([
        { name: 'ok', content: 'fine' },
        { name: '../escape', content: 'no' },
      ]);
      await assert.rejects(applyLayer(sn, Readable.from([bad])), /refusing layer entry "..\/escape"/);
      const left: string[] = [];
      await sn.walk((i) => {
        left.push(i.key);
      });
      assert.deepEqual(left, []);
      assert.equal(existsSync(join(dataRoot, 'layers', 'escape')), false);
    });
  });
}

describe('detectStorageDriver', () => {
  test('picks native overlay here, honours a working preference, refuses an unknown one', async () => {
    const dataRoot = await mkdtemp(join(tmpdir(), 'rlt-detect-'));
    roots.push(dataRoot);
    const auto = await detectStorageDriver(dataRoot);
    assert.equal(auto.name, 'overlay', JSON.stringify(auto));
    assert.deepEqual(auto.status[0], ['Backing Filesystem', auto.status[0]![1]]);
    assert.ok(auto.status.some(([k, v]) => k === 'userxattr' && v === 'true'));
    assert.equal((await detectStorageDriver(dataRoot, 'overlay2')).name, 'overlay');
    assert.equal((await detectStorageDriver(dataRoot, 'fuse-overlayfs')).name, 'fuse-overlayfs');
    assert.equal((await detectStorageDriver(dataRoot, 'vfs')).name, 'vfs');
    await assert.rejects(detectStorageDriver(dataRoot, 'zfs'), InvalidParameter);
    assert.deepEqual(await readdir(dataRoot), [], 'the probe folders are removed');
  });
});
