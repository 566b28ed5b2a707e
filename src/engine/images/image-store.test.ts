import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ImageStore } from './image-store.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

test('tags move between images and survive a reload', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'imgstore-'));
  try {
    const store = new ImageStore(dir);
    await store.load();
    await store.put(A, { repoDigest: `docker.io/library/busybox@sha256:${'1'.repeat(64)}` });
    await store.put(B);
    assert.equal(await store.tag('docker.io/library/busybox:latest', A), undefined);
    assert.equal(await store.tag('docker.io/library/busybox:latest', B), A);
    assert.deepEqual(store.tagsOf(A), []);
    const again = new ImageStore(dir);
    await again.load();
    assert.equal(again.tagTarget('docker.io/library/busybox:latest'), B);
    assert.equal(again.get(A)?.repoDigests.length, 1);
    assert.deepEqual(
      again.findByPrefix('aaaa').map((r) => r.id),
      [A],
    );
    await again.delete(B);
    assert.equal(again.tagTarget('docker.io/library/busybox:latest'), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('concurrent changes are all kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'imgstore-'));
  try {
    const store = new ImageStore(dir);
    await store.load();
    await store.put(A);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.tag(`x/y:t${i}`, A)));
    const again = new ImageStore(dir);
    await again.load();
    assert.equal(again.tagsOf(A).length, 20);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
