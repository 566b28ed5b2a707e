import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Registry, startRegistry } from '../../../test/fixtures/registry.js';
import { ContentStore, SizeMismatch, sha256Of } from '../content/index.js';
import { parseNormalizedNamed } from '../images/reference.js';
import { RegistryClient } from './client.js';
import { startFlakyProxy } from './testing/flaky-proxy.js';
import { closeDispatchers } from './transport.js';

describe('blob downloads survive a broken connection', () => {
  let registry: Registry;
  let root: string;
  const data = randomBytes(300_000);
  const desc = { digest: sha256Of(data), size: data.length };
  const client = new RegistryClient();

  before(async () => {
    registry = await startRegistry();
    root = await mkdtemp(join(tmpdir(), 'rlt-retry-'));
    const repo = client.repository(parseNormalizedNamed(`${registry.host}/retry/blob`), { push: true });
    await repo.uploadBlob(desc, data);
  });
  after(async () => {
    await registry?.stop();
    await rm(root, { recursive: true, force: true });
    await closeDispatchers();
  });

  for (const ignoreRange of [false, true]) {
    test(
      ignoreRange
        ? 'restarts and skips what it had when Range is not honoured'
        : 'resumes with a Range request',
      async () => {
        const proxy = await startFlakyProxy(registry.url, { ignoreRange });
        try {
          const store = new ContentStore(join(root, ignoreRange ? 'restart' : 'resume'));
          await store.init();
          const repo = client.repository(parseNormalizedNamed(`${proxy.host}/retry/blob`));
          assert.deepEqual(await store.write(desc, () => repo.openBlob(desc)), desc);
          assert.deepEqual(await store.readBuffer(desc.digest), data);
          assert.equal(proxy.blobRanges.length, 2);
          assert.equal(proxy.blobRanges[0], '');
          assert.equal(proxy.blobRanges[1], `bytes=${data.length / 2}-`);
        } finally {
          await proxy.close();
        }
      },
    );
  }

  test('gives up after the bounded number of retries and stores nothing', async () => {
    const proxy = await startFlakyProxy(registry.url, { breaks: 10 });
    try {
      const store = new ContentStore(join(root, 'give-up'));
      await store.init();
      const repo = client.repository(parseNormalizedNamed(`${proxy.host}/retry/blob`));
      await assert.rejects(store.write(desc, () => repo.openBlob(desc, { retries: 2 })));
      assert.equal(proxy.blobRanges.length, 3);
      assert.deepEqual(await store.list(), []);
      assert.equal(await store.cleanIngest(), 0);
    } finally {
      await proxy.close();
    }
  });

  test('a blob longer than announced is refused', async () => {
    const store = new ContentStore(join(root, 'size'));
    await store.init();
    const repo = client.repository(parseNormalizedNamed(`${registry.host}/retry/blob`));
    await assert.rejects(
      store.write({ digest: desc.digest }, () => repo.openBlob({ digest: desc.digest, size: 1000 })),
      SizeMismatch,
    );
    assert.deepEqual(await store.list(), []);
  });
});

describe('parallel operations on a loopback registry (https first, then http)', () => {
  let registry: Registry;
  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
    await closeDispatchers();
  });

  test('all fall back to http together, none gives up with the https error', async () => {
    const client = new RegistryClient();
    const repo = client.repository(parseNormalizedNamed(`${registry.host}/parallel/blob`), { push: true });
    const blobs = [1, 2, 3, 4].map((n) => Buffer.from(`blob ${n}`));
    await Promise.all(blobs.map((b) => repo.uploadBlob({ digest: sha256Of(b), size: b.length }, b)));
    const stats = await Promise.all(blobs.map((b) => repo.statBlob(sha256Of(b))));
    assert.deepEqual(
      stats.map((s) => s?.size),
      blobs.map((b) => b.length),
    );
  });
});
