import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { readJsonRecord, writeJsonAtomic } from './atomic-file.js';

test('writeJsonAtomic replaces the record and leaves no temporary file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
  try {
    const path = join(dir, 'rec.json');
    await writeJsonAtomic(path, { a: 1 });
    await writeJsonAtomic(path, { a: 2 });
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { a: 2 });
    assert.deepEqual(await readdir(dir), ['rec.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('readJsonRecord validates, and returns undefined for a missing file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
  try {
    const schema = z.object({ a: z.number() });
    assert.equal(await readJsonRecord(join(dir, 'none.json'), schema), undefined);
    await writeFile(join(dir, 'bad.json'), '{"a":"x"}');
    await assert.rejects(readJsonRecord(join(dir, 'bad.json'), schema), /invalid/);
    await writeFile(join(dir, 'torn.json'), '{"a":');
    await assert.rejects(readJsonRecord(join(dir, 'torn.json'), schema), /not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a write without fsync replaces the record, makes a missing folder, and cleans up after a failure', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
  try {
    const path = join(dir, 'sub', 'rec.json');
    await writeJsonAtomic(path, { a: 1 }, { durable: false });
    await writeJsonAtomic(path, { a: 2 }, { durable: false });
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { a: 2 });
    assert.deepEqual(await readdir(join(dir, 'sub')), ['rec.json']);
    // A folder in the way: the rename fails, the old content stays, no temporary file is left.
    await mkdir(join(dir, 'sub', 'taken', 'x'), { recursive: true });
    await assert.rejects(writeJsonAtomic(join(dir, 'sub', 'taken'), { a: 3 }, { durable: false }));
    assert.deepEqual((await readdir(join(dir, 'sub'))).sort(), ['rec.json', 'taken']);
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { a: 2 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
