import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { openBuildContext } from './build-context.js';

const tmp = mkdtempSync(join(tmpdir(), 'rlt-build-ctx-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function tarOf(entries: Array<{ name: string; body?: string; type?: 'symlink'; linkname?: string }>) {
  const pack = tar.pack();
  for (const e of entries)
    pack.entry({ name: e.name, ...(e.type ? { type: e.type, linkname: e.linkname } : {}) }, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('a plain, gzip or xz tar, the Dockerfile found by its path inside the context', async () => {
  const t = await tarOf([
    { name: 'Dockerfile', body: 'FROM a\n' },
    { name: 'sub/Other', body: 'FROM b\n' },
  ]);
  const plain = await openBuildContext(Readable.from([t]), { tmpDir: tmp, dockerfile: '' });
  assert.equal(plain.dockerfile, 'FROM a\n');
  assert.equal(readFileSync(join(plain.root, 'sub/Other'), 'utf8'), 'FROM b\n');
  await plain.close();
  assert.equal(existsSync(plain.root), false);
  const gz = await openBuildContext(Readable.from([gzipSync(t)]), { tmpDir: tmp, dockerfile: 'sub/Other' });
  assert.equal(gz.dockerfile, 'FROM b\n');
  await gz.close();
  const xz = await openBuildContext(Readable.from([execFileSync('xz', ['-c'], { input: t })]), {
    tmpDir: tmp,
    dockerfile: 'sub/Other',
  });
  assert.equal(xz.dockerfile, 'FROM b\n');
  await xz.close();
});

test('the Dockerfile stays inside the context; entries leaving it are refused', async () => {
  const link = await tarOf([{ name: 'Dockerfile', type: 'symlink', linkname: '/etc/passwd' }]);
  await assert.rejects(
    openBuildContext(Readable.from([link]), { tmpDir: tmp, dockerfile: 'Dockerfile' }),
    /Cannot locate specified Dockerfile: Dockerfile/,
  );
  const leaving = await tarOf([{ name: '../evil', body: 'x' }]);
  await assert.rejects(
    openBuildContext(Readable.from([leaving]), { tmpDir: tmp, dockerfile: '' }),
    /leaves the destination/,
  );
  await assert.rejects(
    openBuildContext(Readable.from([Buffer.from('BZh91AY&SY')]), { tmpDir: tmp, dockerfile: '' }),
    /bzip2 -dc/,
  );
});
