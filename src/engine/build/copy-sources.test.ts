import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveSources, segmentPattern, sourcesChecksum } from './copy-sources.js';

const root = mkdtempSync(join(tmpdir(), 'rlt-copy-src-'));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'dir/sub'), { recursive: true });
writeFileSync(join(root, 'a.txt'), 'a');
writeFileSync(join(root, 'b.txt'), 'b');
writeFileSync(join(root, 'dir/sub/c.md'), 'c');
symlinkSync('/etc', join(root, 'out'));

test("glob segments as Go's filepath.Match", () => {
  assert.ok(segmentPattern('*.txt').test('a.txt'));
  assert.ok(!segmentPattern('*.txt').test('a.md'));
  assert.ok(segmentPattern('?.t[xy]t').test('b.tyt'));
  assert.ok(segmentPattern('[!a].txt').test('b.txt'));
  assert.ok(!segmentPattern('[!a].txt').test('a.txt'));
  assert.ok(segmentPattern('a.(x)+').test('a.(x)+'));
});

test('sources: globs, folders, and paths that stay inside the root', async () => {
  const globbed = await resolveSources(root, ['*.txt', 'dir/*/*.md'], 'COPY');
  assert.deepEqual(
    globbed.map((s) => [s.name, s.isDir]),
    [
      ['a.txt', false],
      ['b.txt', false],
      ['c.md', false],
    ],
  );
  const [dir] = await resolveSources(root, ['./dir/'], 'COPY');
  assert.equal(dir?.isDir, true);
  // A symlink to /etc resolves to <root>/etc, which does not exist.
  await assert.rejects(
    resolveSources(root, ['out/passwd'], 'COPY'),
    /COPY failed: file not found in build context/,
  );
  await assert.rejects(resolveSources(root, ['../x'], 'ADD'), /ADD failed: file not found/);
  await assert.rejects(resolveSources(root, ['*.none'], 'COPY'), /no source files were specified/);
});

test('the checksum follows contents and names, not times', async () => {
  const one = await sourcesChecksum(await resolveSources(root, ['a.txt'], 'COPY'));
  assert.match(one, /^file:[0-9a-f]{64}$/);
  writeFileSync(join(root, 'a.txt'), 'a');
  assert.equal(await sourcesChecksum(await resolveSources(root, ['a.txt'], 'COPY')), one);
  writeFileSync(join(root, 'a.txt'), 'changed');
  assert.notEqual(await sourcesChecksum(await resolveSources(root, ['a.txt'], 'COPY')), one);
  assert.match(await sourcesChecksum(await resolveSources(root, ['dir'], 'COPY')), /^dir:/);
  assert.match(await sourcesChecksum(await resolveSources(root, ['*.txt'], 'COPY')), /^multi:/);
});
