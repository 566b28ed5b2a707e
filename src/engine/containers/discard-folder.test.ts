import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { discardFolder, isDiscarded, sweepDiscarded } from './discard-folder.js';

test('discardFolder: the folder is gone at once, its contents once the deletion resolves', async () => {
  const root = await mkdtemp(join(tmpdir(), 'discard-'));
  try {
    const dir = join(root, 'abc');
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'config.json'), '{}');
    await writeFile(join(dir, 'sub', 'x.log'), 'log');
    const deleted = discardFolder(dir);
    assert.equal(existsSync(dir), false);
    const names = await readdir(root);
    assert.equal(names.length, 1);
    assert.ok(isDiscarded(names[0] ?? ''), names.join(' '));
    await deleted;
    assert.deepEqual(await readdir(root), []);
    // A folder that is not there: nothing to do.
    await discardFolder(dir);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('sweepDiscarded deletes the leftovers of interrupted removals and nothing else', async () => {
  const root = await mkdtemp(join(tmpdir(), 'discard-'));
  try {
    await mkdir(join(root, '.gone-abc-0011aabb', 'sub'), { recursive: true });
    await writeFile(join(root, '.gone-abc-0011aabb', 'config.json'), '{}');
    await mkdir(join(root, 'def'));
    await writeFile(join(root, 'def', 'config.json'), '{}');
    await sweepDiscarded(root);
    assert.deepEqual(await readdir(root), ['def']);
    assert.equal(isDiscarded('def'), false);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
