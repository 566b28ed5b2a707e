import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setAttributeSync } from '@napi-rs/xattr';
import tar from 'tar-stream';
import { EMPTY_LAYER_DIFF_ID } from '../images/commit.js';
import { isOverlayPrivateXattr, layerDiff, whiteoutEntryName } from './layer-diff.js';

interface Entry {
  name: string;
  type: string;
  mode: number;
  size: number;
  linkname: string | null;
  body: string;
  pax: Record<string, string> | null;
}

async function entries(stream: Readable): Promise<Entry[]> {
  const out: Entry[] = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const e of extract) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      const h = e.header;
      out.push({
        name: h.name,
        type: h.type ?? '',
        mode: h.mode ?? 0,
        size: h.size ?? 0,
        linkname: h.linkname ?? null,
        body: Buffer.concat(chunks).toString(),
        pax: (h.pax as Record<string, string> | undefined) ?? null,
      });
    }
  })();
  stream.pipe(extract);
  await done;
  return out;
}

describe('whiteout names', () => {
  test('maps a path to its .wh. entry', () => {
    assert.equal(whiteoutEntryName('a/b/c'), 'a/b/.wh.c');
    assert.equal(whiteoutEntryName('top'), '.wh.top');
  });
  test('the overlay’s own xattrs are private', () => {
    assert.ok(isOverlayPrivateXattr('user.overlay.opaque'));
    assert.ok(isOverlayPrivateXattr('user.overlay.uuid'));
    assert.ok(isOverlayPrivateXattr('user.fuseoverlayfs.opaque'));
    assert.ok(isOverlayPrivateXattr('trusted.overlay.origin'));
    assert.ok(!isOverlayPrivateXattr('user.mime_type'));
  });
});

describe('layerDiff over an overlay upper dir', {
  skip: process.getuid?.() !== 0 && 'mknod needs root',
}, () => {
  let upper: string;
  before(() => {
    upper = mkdtempSync(join(tmpdir(), 'layer-diff-'));
    mkdirSync(join(upper, 'etc'));
    writeFileSync(join(upper, 'etc', 'hosts'), '');
    mkdirSync(join(upper, 'data', 'opq'), { recursive: true });
    writeFileSync(join(upper, 'data', 'opq', 'new'), 'n');
    setAttributeSync(join(upper, 'data', 'opq'), 'user.overlay.opaque', 'y');
    setAttributeSync(join(upper, 'data'), 'user.overlay.impure', 'y');
    writeFileSync(join(upper, 'data', 'file'), 'hello');
    setAttributeSync(join(upper, 'data', 'file'), 'user.note', 'kept');
    linkSync(join(upper, 'data', 'file'), join(upper, 'data', 'hard'));
    symlinkSync('file', join(upper, 'data', 'sym'));
    writeFileSync(join(upper, 'data', 'empty'), '');
    // Two whiteouts sharing one inode, as the kernel's overlay makes them.
    execFileSync('mknod', [join(upper, 'data', 'gone'), 'c', '0', '0']);
    linkSync(join(upper, 'data', 'gone'), join(upper, 'data', 'gone2'));
    mkdirSync(join(upper, 'proc'));
  });
  after(() => rmSync(upper, { recursive: true, force: true }));

  test('whiteouts, opaque dirs, hard links, xattrs and lazy dirs', async () => {
    const list = await entries(
      layerDiff({
        upper,
        skip: (rel, st) => rel === 'etc/hosts' && st.size === 0,
        lazyDir: (rel) => rel === 'etc' || rel === 'proc',
      }),
    );
    // In the order of the upper dir's names (a whiteout sorts by the name it deletes).
    const names = list.map((e) => e.name);
    assert.deepEqual(names, [
      'data/',
      'data/empty',
      'data/file',
      'data/.wh.gone',
      'data/.wh.gone2',
      'data/hard',
      'data/opq/',
      'data/opq/.wh..wh..opq',
      'data/opq/new',
      'data/sym',
    ]);
    const by = (n: string) => list.find((e) => e.name === n) as Entry;
    assert.equal(by('data/.wh.gone').type, 'file');
    assert.equal(by('data/.wh.gone').size, 0);
    assert.equal(by('data/.wh.gone').mode, 0o600);
    assert.equal(by('data/hard').type, 'link');
    assert.equal(by('data/hard').linkname, 'data/file');
    assert.equal(by('data/file').body, 'hello');
    assert.equal(by('data/file').pax?.['SCHILY.xattr.user.note'], 'kept');
    assert.equal(by('data/sym').linkname, 'file');
    // The overlay's own xattrs never reach the layer.
    for (const e of list)
      for (const k of Object.keys(e.pax ?? {})) assert.ok(!k.includes('overlay'), `${e.name}: ${k}`);
  });

  test('an upper dir without changes gives an empty tar', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'layer-diff-empty-'));
    try {
      mkdirSync(join(empty, 'etc'));
      writeFileSync(join(empty, 'etc', 'hosts'), '');
      const list = await entries(
        layerDiff({ upper: empty, skip: (rel) => rel === 'etc/hosts', lazyDir: (rel) => rel === 'etc' }),
      );
      assert.deepEqual(list, []);
      // Exactly the tar Docker treats as an empty layer (1024 zero bytes).
      const hash = createHash('sha256');
      for await (const chunk of layerDiff({
        upper: empty,
        skip: (rel) => rel === 'etc/hosts',
        lazyDir: (rel) => rel === 'etc',
      }))
        hash.update(chunk as Buffer);
      assert.equal(`sha256:${hash.digest('hex')}`, EMPTY_LAYER_DIFF_ID);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('layerDiff of a full copy against its parent (vfs)', () => {
  test('changed, added and deleted entries; unchanged ones left out', async () => {
    const root = mkdtempSync(join(tmpdir(), 'layer-diff-vfs-'));
    try {
      const lower = join(root, 'lower');
      const upper = join(root, 'upper');
      for (const t of [lower, upper]) {
        mkdirSync(join(t, 'a', 'deep'), { recursive: true });
        writeFileSync(join(t, 'a', 'same'), 'same');
        writeFileSync(join(t, 'a', 'deep', 'x'), 'x');
        writeFileSync(join(t, 'gone'), 'g');
        mkdirSync(join(t, 'was-dir'));
        writeFileSync(join(t, 'was-dir', 'child'), 'c');
        symlinkSync('same', join(t, 'a', 'link'));
      }
      const old = new Date('2020-01-01T00:00:00Z');
      for (const t of [lower, upper])
        for (const f of ['a/same', 'a/deep/x', 'gone', 'was-dir/child', 'a/link'])
          execFileSync('touch', ['-h', '-d', old.toISOString(), join(t, f)]);
      rmSync(join(upper, 'gone'));
      rmSync(join(upper, 'was-dir'), { recursive: true });
      writeFileSync(join(upper, 'was-dir'), 'now a file');
      writeFileSync(join(upper, 'a', 'deep', 'x'), 'changed');
      writeFileSync(join(upper, 'a', 'new'), 'n');
      const list = await entries(layerDiff({ upper, lower }));
      const names = list.map((e) => e.name);
      assert.deepEqual(names, ['a/', 'a/deep/', 'a/deep/x', 'a/new', '.wh.gone', 'was-dir']);
      assert.equal(list.find((e) => e.name === 'was-dir')?.body, 'now a file');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
