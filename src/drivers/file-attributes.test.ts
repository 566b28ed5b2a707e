import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { spreadSubfolders } from './file-attributes.js';

function attributes(dir: string): string | undefined {
  try {
    return execFileSync('lsattr', ['-d', dir], { encoding: 'utf8' }).split(' ')[0];
  } catch {
    return undefined;
  }
}

test('spreadSubfolders creates the folder and sets the T attribute where the file system has it', async () => {
  const base = await mkdtemp('/var/tmp/rlt-attr-');
  try {
    const dir = join(base, 'layers', 'overlay');
    const done = await spreadSubfolders(dir);
    const attrs = attributes(dir);
    assert.equal(done, attrs?.includes('T') ?? false, `chattr said ${done}, lsattr shows ${attrs}`);
    // The attribute is the folder's own: a subfolder does not inherit it.
    if (done) {
      execFileSync('mkdir', [join(dir, 'sub')]);
      assert.equal(attributes(join(dir, 'sub'))?.includes('T'), false);
    }
    assert.equal(await spreadSubfolders(dir), done, 'a second call changes nothing');
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
