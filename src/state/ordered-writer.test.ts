import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OrderedWriter } from './ordered-writer.js';

test('OrderedWriter: writes not awaited land in call order, the newest last', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ordered-'));
  try {
    const path = join(dir, 'state.json');
    const w = new OrderedWriter(path, { durable: false });
    const done: number[] = [];
    const all = Array.from({ length: 40 }, (_, i) => w.write(`${i}\n`).then(() => done.push(i)));
    await w.settled();
    await Promise.all(all);
    assert.equal(await readFile(path, 'utf8'), '39\n');
    assert.deepEqual(
      done,
      Array.from({ length: 40 }, (_, i) => i),
    );
    assert.deepEqual(await readdir(dir), ['state.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('OrderedWriter: a failed write rejects its caller and keeps the text for the next one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ordered-'));
  try {
    // The folder is a file: every write fails until it is a folder.
    const folder = join(dir, 'c');
    await writeFile(folder, '');
    const w = new OrderedWriter(join(folder, 'state.json'), { durable: false });
    await assert.rejects(w.write('a\n'));
    await w.settled();
    await rm(folder);
    await w.write('b\n');
    assert.equal(await readFile(join(folder, 'state.json'), 'utf8'), 'b\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
