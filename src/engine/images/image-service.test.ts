import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ContentStore } from '../content/index.js';
import { ImageService } from './image-service.js';
import { ImageStore } from './image-store.js';
import { pullReference } from './images-module.js';
import { humanSize, progressBar } from './progress.js';
import { normalizedString } from './reference.js';

let dir: string;
let service: ImageService;
let id: string;
const diffId = `sha256:${'a'.repeat(64)}`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'image-service-'));
  const content = new ContentStore(dir);
  await content.init();
  const store = new ImageStore(join(dir, 'images'));
  await store.load();
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } }),
  );
  id = (await content.writeBuffer(config)).digest;
  await store.put(id, { repoDigest: `docker.io/library/busybox@sha256:${'b'.repeat(64)}` });
  await store.tag('docker.io/library/busybox:latest', id);
  await store.tag('127.0.0.1:5000/x/y:v1', id);
  service = new ImageService({ store, content });
});
after(() => rm(dir, { recursive: true, force: true }));

test('resolve finds an image by every name Docker accepts', async () => {
  for (const name of [
    id,
    id.slice(7),
    id.slice(7, 19),
    id.slice(7, 10),
    'busybox',
    'busybox:latest',
    'library/busybox',
    'docker.io/library/busybox:latest',
    `busybox@sha256:${'b'.repeat(64)}`,
    '127.0.0.1:5000/x/y:v1',
  ]) {
    const image = await service.resolve(name);
    assert.equal(image.id, id, name);
  }
  const image = await service.resolve('busybox');
  assert.equal(image.chainId, diffId);
  assert.deepEqual(image.repoTags, ['127.0.0.1:5000/x/y:v1', 'busybox:latest']);
  assert.deepEqual(image.repoDigests, [`busybox@sha256:${'b'.repeat(64)}`]);
  assert.equal(image.config.os, 'linux');
});

test('resolve says No such image as Docker does', async () => {
  for (const name of ['nothere', 'busybox:1.0', '127.0.0.1:5000/x/y', `sha256:${'c'.repeat(64)}`, 'ffff']) {
    await assert.rejects(service.resolve(name), { kind: 'NotFound', message: `No such image: ${name}` });
  }
  await assert.rejects(service.resolve('UPPER'), { kind: 'InvalidParameter' });
});

test('pullReference combines fromImage and tag as Docker does', () => {
  assert.equal(normalizedString(pullReference('busybox', undefined)), 'docker.io/library/busybox:latest');
  assert.equal(normalizedString(pullReference('busybox', '1.36')), 'docker.io/library/busybox:1.36');
  const d = `sha256:${'d'.repeat(64)}`;
  assert.equal(normalizedString(pullReference('h:5000/a/b', d)), `h:5000/a/b@${d}`);
  assert.equal(normalizedString(pullReference(`busybox@${d}`, undefined)), `docker.io/library/busybox@${d}`);
  assert.throws(() => pullReference('busybox', 'bad tag'), { kind: 'InvalidParameter' });
});

test('progress bars and sizes look like Docker', () => {
  assert.equal(humanSize(1056481), '1.056MB');
  assert.equal(humanSize(597000), '597kB');
  assert.equal(humanSize(12), '12B');
  assert.equal(progressBar(50, 100), `[${'='.repeat(25)}>${' '.repeat(24)}]      50B/100B`);
  assert.equal(progressBar(100, 100), `[${'='.repeat(50)}>]     100B/100B`);
});
