import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { containerPathOf, resolveInRoot } from './root-path.js';

const root = mkdtempSync(join(tmpdir(), 'root-path-'));
mkdirSync(join(root, 'etc'));
mkdirSync(join(root, 'a', 'b'), { recursive: true });
writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0::/:/bin/sh\n');
symlinkSync('/', join(root, 'escape'));
symlinkSync('../../../../../..', join(root, 'a', 'b', 'up'));
symlinkSync('/etc', join(root, 'a', 'etc'));
symlinkSync('loop2', join(root, 'loop1'));
symlinkSync('loop1', join(root, 'loop2'));
after(() => rmSync(root, { recursive: true, force: true }));

test('absolute symlinks restart at the root, not at the host /', async () => {
  assert.equal(await resolveInRoot(root, '/escape/etc/passwd', true), join(root, 'etc', 'passwd'));
  assert.equal(await resolveInRoot(root, '/a/etc/passwd', true), join(root, 'etc', 'passwd'));
});

test('.. and relative links never climb above the root', async () => {
  assert.equal(await resolveInRoot(root, '/../../etc/passwd', true), join(root, 'etc', 'passwd'));
  assert.equal(await resolveInRoot(root, '/a/b/up/etc/passwd', true), join(root, 'etc', 'passwd'));
  assert.equal(await resolveInRoot(root, '/a/b/up', true), root);
});

test('the last component is kept as a link unless followed', async () => {
  assert.equal(await resolveInRoot(root, '/escape', false), join(root, 'escape'));
  assert.equal(await resolveInRoot(root, '/escape/tmp/x', false), join(root, 'tmp', 'x'));
  assert.equal(containerPathOf(root, await resolveInRoot(root, '/a/etc', true)), '/etc');
});

test('symlink loops are refused', async () => {
  await assert.rejects(resolveInRoot(root, '/loop1/x', true), /too many levels of symbolic links/);
});
