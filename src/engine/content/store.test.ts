import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { Cancelled, InvalidParameter, NotFound } from '../../errdefs/index.js';
import { DigestMismatch, SizeMismatch, sha256Of, UnsupportedDigest } from './digest.js';
import { ContentStore } from './store.js';

async function withStore(fn: (store: ContentStore, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'rlt-content-'));
  try {
    const store = new ContentStore(root);
    await store.init();
    await fn(store, root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function leftovers(root: string): Promise<string[]> {
  return [...(await readdir(join(root, 'ingest'))), ...(await readdir(join(root, 'blobs', 'sha256')))];
}

function chunks(data: Buffer, size = 7): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

test('write, has, info, read, list, delete', async () => {
  await withStore(async (store, root) => {
    const data = Buffer.from('hello content store');
    const digest = sha256Of(data);
    assert.equal(await store.has(digest), false);
    const info = await store.write({ digest, size: data.length }, chunks(data));
    assert.deepEqual(info, { digest, size: data.length });
    assert.equal(await store.has(digest), true);
    assert.deepEqual(await store.info(digest), info);
    assert.deepEqual(await store.readBuffer(digest), data);
    const streamed: Buffer[] = [];
    for await (const c of await store.readStream(digest)) streamed.push(c as Buffer);
    assert.deepEqual(Buffer.concat(streamed), data);
    assert.deepEqual(await store.list(), [info]);
    assert.deepEqual(await readdir(join(root, 'ingest')), []);
    await store.delete(digest);
    assert.equal(await store.has(digest), false);
    await assert.rejects(store.delete(digest), NotFound);
    await assert.rejects(store.info(digest), NotFound);
    await assert.rejects(store.readStream(digest), NotFound);
  });
});

test('a digest mismatch throws and leaves nothing behind', async () => {
  await withStore(async (store, root) => {
    const data = Buffer.from('the real bytes');
    const wrong = sha256Of('other bytes');
    await assert.rejects(store.write({ digest: wrong, size: data.length }, chunks(data)), (err: unknown) => {
      return err instanceof DigestMismatch && err instanceof InvalidParameter && err.message.includes(wrong);
    });
    assert.deepEqual(await leftovers(root), []);
  });
});

test('a size mismatch throws (too long and too short) and leaves nothing behind', async () => {
  await withStore(async (store, root) => {
    const data = Buffer.alloc(1000, 1);
    const digest = sha256Of(data);
    await assert.rejects(store.write({ digest, size: 10 }, chunks(data, 100)), SizeMismatch);
    await assert.rejects(store.write({ digest, size: 2000 }, chunks(data, 100)), SizeMismatch);
    assert.deepEqual(await leftovers(root), []);
  });
});

test('a failing source leaves nothing behind', async () => {
  await withStore(async (store, root) => {
    async function* broken() {
      yield Buffer.from('partial');
      throw new Error('connection reset');
    }
    await assert.rejects(store.write({ digest: sha256Of('x') }, broken()), /connection reset/);
    assert.deepEqual(await leftovers(root), []);
  });
});

test('an aborted write is Cancelled and leaves nothing behind', async () => {
  await withStore(async (store, root) => {
    const ac = new AbortController();
    async function* slow() {
      yield Buffer.from('a');
      ac.abort();
      await new Promise((r) => setTimeout(r, 20));
      yield Buffer.from('b');
    }
    await assert.rejects(store.write({ digest: sha256Of('ab') }, slow(), { signal: ac.signal }), Cancelled);
    assert.deepEqual(await leftovers(root), []);
  });
});

test('concurrent writers of one digest share one write', async () => {
  await withStore(async (store) => {
    const data = Buffer.alloc(100_000, 7);
    const digest = sha256Of(data);
    let opened = 0;
    const opener = () => {
      opened++;
      return chunks(data, 4096);
    };
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => store.write({ digest, size: data.length }, opener)),
    );
    assert.equal(opened, 1);
    for (const r of results) assert.deepEqual(r, { digest, size: data.length });
    // Present already: the opener is not called again.
    await store.write({ digest }, opener);
    assert.equal(opened, 1);
  });
});

test('only sha256 digests are accepted', async () => {
  await withStore(async (store) => {
    await assert.rejects(store.has(`sha512:${'a'.repeat(128)}`), UnsupportedDigest);
    await assert.rejects(
      store.write({ digest: `md5:${'a'.repeat(32)}` }, Buffer.from('x')),
      UnsupportedDigest,
    );
    await assert.rejects(store.has('sha256:XYZ'), InvalidParameter);
  });
});

test('cleanIngest removes leftovers of an interrupted write; list ignores strangers', async () => {
  await withStore(async (store, root) => {
    await writeFile(join(root, 'ingest', 'abc-123'), 'partial');
    await writeFile(join(root, 'blobs', 'sha256', 'not-a-digest'), 'x');
    assert.equal(await store.cleanIngest(), 1);
    assert.deepEqual(await readdir(join(root, 'ingest')), []);
    assert.deepEqual(await store.list(), []);
    const info = await store.writeBuffer(Buffer.from('abc'));
    assert.equal(info.digest, sha256Of('abc'));
  });
});

test('sourceVerifies: the store counts only; a source erroring at its end leaves nothing behind', async () => {
  await withStore(async (store, root) => {
    const data = Buffer.from('bytes checked by their source');
    const digest = sha256Of(data);
    // A source that checks its own digest, as a registry download does: all bytes, then an error.
    async function* failingAtEnd(): AsyncGenerator<Buffer> {
      yield data.subarray(0, 10);
      yield data.subarray(10);
      throw new DigestMismatch(digest, sha256Of('something else'));
    }
    await assert.rejects(
      store.write({ digest, size: data.length }, Readable.from(failingAtEnd()), { sourceVerifies: true }),
      DigestMismatch,
    );
    assert.deepEqual(await leftovers(root), []);
    // Size is still checked by the store.
    await assert.rejects(
      store.write({ digest, size: data.length + 1 }, chunks(data), { sourceVerifies: true }),
      SizeMismatch,
    );
    assert.deepEqual(await leftovers(root), []);
    const info = await store.write({ digest, size: data.length }, chunks(data), { sourceVerifies: true });
    assert.deepEqual(info, { digest, size: data.length });
    assert.deepEqual(await store.readBuffer(digest), data);
  });
});
