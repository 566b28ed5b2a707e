// Inner tests: run inside a user namespace (uid 0, subordinate ids mapped) by
// ../layers-userns.test.ts. Not named *.test.ts so that the plain unit run skips them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { getAttribute } from '@napi-rs/xattr';
import { applyLayerTar } from '../extract/apply-tar.js';
import { decompressLayer } from '../extract/decompress.js';
import { LayerEntryRefused } from '../extract/entry-path.js';
import { fuseOverlayfsWhiteouts, overlayWhiteouts, vfsWhiteouts } from '../extract/whiteout-formats.js';
import { buildTar, type FixtureEntry } from './tar-fixtures.js';

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'rlt-extract-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

let n = 0;
async function extractInto(entries: FixtureEntry[], whiteouts = overlayWhiteouts) {
  const root = join(base, `layer-${n++}`);
  await mkdir(root);
  const tarBytes = await buildTar(entries);
  const result = await applyLayerTar(root, Readable.from([tarBytes]), { whiteouts });
  return { root, result, tarBytes };
}

describe('layer extraction inside the user namespace', () => {
  test('keeps owners, modes with setuid, times, and reports the diff id', async () => {
    const { root, result, tarBytes } = await extractInto([
      { name: 'usr/', uid: 1000, gid: 1000 },
      { name: 'usr/bin/', mode: 0o755 },
      { name: 'usr/bin/su', content: 'x', mode: 0o4755, uid: 0, gid: 0 },
      { name: 'usr/bin/mine', content: 'hello', mode: 0o6750, uid: 1000, gid: 1000 },
      { name: 'tmp/', mode: 0o1777 },
    ]);
    assert.equal(result.diffId, `sha256:${createHash('sha256').update(tarBytes).digest('hex')}`);
    assert.equal(result.tarSize, tarBytes.length);
    assert.equal(result.size, 6);
    const mine = await lstat(join(root, 'usr/bin/mine'));
    assert.equal(mine.uid, 1000);
    assert.equal(mine.gid, 1000);
    assert.equal(mine.mode & 0o7777, 0o6750);
    assert.equal((await lstat(join(root, 'usr/bin/su'))).mode & 0o7777, 0o4755);
    assert.equal((await lstat(join(root, 'tmp'))).mode & 0o7777, 0o1777);
    assert.equal((await lstat(join(root, 'usr'))).uid, 1000);
    assert.equal(mine.mtime.toISOString(), '2024-01-02T03:04:05.000Z');
    assert.equal((await lstat(join(root, 'usr'))).mtime.toISOString(), '2024-01-02T03:04:05.000Z');
  });

  test('an owner outside the host-check folder shows as a subordinate id outside', async (t) => {
    const dir = process.env.RLT_LAYERS_HOST_CHECK_DIR;
    if (!dir) {
      t.diagnostic('RLT_LAYERS_HOST_CHECK_DIR not set: the outer test checks the host view');
      return;
    }
    const tarBytes = await buildTar([{ name: 'owned', content: 'o', uid: 1000, gid: 1000 }]);
    await applyLayerTar(dir, Readable.from([tarBytes]), { whiteouts: overlayWhiteouts });
    assert.equal((await lstat(join(dir, 'owned'))).uid, 1000);
  });

  test('hard links inside the layer, symlinks verbatim, fifos, devices skipped', async () => {
    const { root } = await extractInto([
      { name: 'a', content: 'data' },
      { name: 'b', type: 'link', linkname: 'a' },
      { name: 'abs', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'rel', type: 'symlink', linkname: '../../../etc/shadow' },
      { name: 'pipe', type: 'fifo', mode: 0o640 },
      { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 },
    ]);
    const [a, b] = await Promise.all([lstat(join(root, 'a')), lstat(join(root, 'b'))]);
    assert.equal(a.ino, b.ino);
    assert.equal(a.nlink, 2);
    assert.equal(await readlink(join(root, 'abs')), '/etc/passwd');
    assert.equal(await readlink(join(root, 'rel')), '../../../etc/shadow');
    const pipe = await lstat(join(root, 'pipe'));
    assert.ok(pipe.isFIFO());
    assert.equal(pipe.mode & 0o777, 0o640);
    assert.equal(existsSync(join(root, 'null')), false);
  });

  test('binary xattrs round-trip; overlay control xattrs from a layer are dropped', async () => {
    const binary = Buffer.from([0x00, 0xff, 0x80, 0x01, 0xc3, 0x28, 0x0a, 0x00]);
    const { root } = await extractInto([
      {
        name: 'f',
        content: 'x',
        pax: { 'SCHILY.xattr.user.bin': binary, 'SCHILY.xattr.user.overlay.redirect': '/etc' },
      },
      { name: 'd/', pax: { 'SCHILY.xattr.user.overlay.opaque': 'y', 'SCHILY.xattr.user.plain': 'v' } },
    ]);
    assert.deepEqual(await getAttribute(join(root, 'f'), 'user.bin'), binary);
    assert.equal(await getAttribute(join(root, 'f'), 'user.overlay.redirect'), null);
    assert.equal(await getAttribute(join(root, 'd'), 'user.overlay.opaque'), null);
    assert.equal((await getAttribute(join(root, 'd'), 'user.plain'))?.toString(), 'v');
  });

  test('file capabilities (security.capability) are written where allowed', async (t) => {
    // VFS_CAP_REVISION_2, cap_net_bind_service permitted + effective.
    const cap = Buffer.from([0x01, 0, 0, 0x02, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const { root } = await extractInto([
      { name: 'ping', content: 'x', mode: 0o755, pax: { 'SCHILY.xattr.security.capability': cap } },
    ]);
    const got = await getAttribute(join(root, 'ping'), 'security.capability');
    t.diagnostic(`security.capability read back: ${got ? got.toString('hex') : 'absent'}`);
    assert.ok(got, 'uid 0 of a user namespace may set file capabilities');
    assert.equal(got[4], 0x00);
    assert.equal(got[5], 0x04);
  });

  const traversal: [string, FixtureEntry[]][] = [
    ['../escape', [{ name: '../escape', content: 'pwned' }]],
    ['/abs/../../x', [{ name: '/abs/../../x', content: 'pwned' }]],
    ['hard link ../x', [{ name: 'h', type: 'link', linkname: '../escape' }]],
    ['hard link to a file outside the layer', [{ name: 'h', type: 'link', linkname: 'etc/passwd' }]],
  ];
  for (const [label, entries] of traversal) {
    test(`refuses ${label}, writing nothing outside`, async () => {
      const before = await readdir(base);
      await assert.rejects(extractInto(entries), LayerEntryRefused);
      const after = (await readdir(base)).filter((f) => !before.includes(f) && !f.startsWith('layer-'));
      assert.deepEqual(after, []);
      assert.equal(existsSync(join(base, 'escape')), false);
      assert.equal(existsSync(join(base, 'x')), false);
    });
  }

  test('refuses writing through a symlinked directory (symlink then write)', async () => {
    const victim = await mkdtemp(join(tmpdir(), 'rlt-victim-'));
    try {
      const err = await extractInto([
        { name: 'dir', type: 'symlink', linkname: victim },
        { name: 'dir/file', content: 'pwned' },
      ]).catch((e: unknown) => e);
      assert.ok(err instanceof LayerEntryRefused, String(err));
      assert.match(err.message, /dir\/file/);
      assert.equal(err.kind, 'InvalidParameter');
      assert.deepEqual(await readdir(victim), []);
      // Also when the link is relative and the write is a hard link or a nested folder.
      await assert.rejects(
        extractInto([
          { name: 'up', type: 'symlink', linkname: '../..' },
          { name: 'up/sub/', mode: 0o755 },
        ]),
        LayerEntryRefused,
      );
    } finally {
      await rm(victim, { recursive: true, force: true });
    }
  });

  // A folder the extractor has already seen is replaced (whiteout, opaque parent, or a new
  // entry of another type) by a symlink: a later write below it must not go through the link.
  const replaced: [string, FixtureEntry[], typeof overlayWhiteouts][] = [
    ['a whiteout (overlay)', [{ name: 'dir/', mode: 0o755 }, { name: '.wh.dir' }], overlayWhiteouts],
    ['a whiteout (vfs)', [{ name: 'dir/', mode: 0o755 }, { name: '.wh.dir' }], vfsWhiteouts],
    ['an opaque parent (vfs)', [{ name: 'p/dir/a', content: 'a' }, { name: 'p/.wh..wh..opq' }], vfsWhiteouts],
    [
      'a file entry',
      [
        { name: 'dir/', mode: 0o755 },
        { name: 'dir', content: 'f' },
      ],
      overlayWhiteouts,
    ],
  ];
  for (const [label, first, whiteouts] of replaced) {
    test(`refuses writing through a symlink that replaced a folder after ${label}`, async () => {
      const victim = await mkdtemp(join(tmpdir(), 'rlt-victim-'));
      try {
        const dir = first.some((e) => e.name.startsWith('p/')) ? 'p/dir' : 'dir';
        const err = await extractInto(
          [
            ...first,
            { name: dir, type: 'symlink', linkname: victim },
            { name: `${dir}/file`, content: 'pwned' },
          ],
          whiteouts,
        ).catch((e: unknown) => e);
        assert.ok(err instanceof LayerEntryRefused, String(err));
        assert.deepEqual(await readdir(victim), []);
      } finally {
        await rm(victim, { recursive: true, force: true });
      }
    });
  }

  test('entries replacing earlier ones of this layer: file, folder, symlink, hard link', async () => {
    const { root } = await extractInto([
      { name: 'x', content: 'first' },
      { name: 'x', content: 'second' },
      { name: 'y/', mode: 0o755 },
      { name: 'y/inner', content: 'i' },
      { name: 'y', type: 'symlink', linkname: 'x' },
      { name: 'z', type: 'symlink', linkname: 'nowhere' },
      { name: 'z/', mode: 0o750 },
      { name: 'h', content: 'h' },
      { name: 'h', type: 'link', linkname: 'x' },
      { name: 'z/', mode: 0o711 },
    ]);
    assert.equal(await readFile(join(root, 'x'), 'utf8'), 'second');
    assert.equal(await readlink(join(root, 'y')), 'x');
    const z = await lstat(join(root, 'z'));
    assert.ok(z.isDirectory());
    assert.equal(z.mode & 0o777, 0o711);
    assert.equal((await lstat(join(root, 'h'))).ino, (await lstat(join(root, 'x'))).ino);
  });

  const layer: FixtureEntry[] = [
    { name: 'd/', mode: 0o755 },
    { name: 'd/.wh..wh..opq' },
    { name: 'd/new', content: 'n' },
    { name: '.wh.gone' },
  ];
  test('overlay whiteouts: char 0/0 and user.overlay.opaque', async () => {
    const { root } = await extractInto(layer, overlayWhiteouts);
    const gone = await lstat(join(root, 'gone'));
    assert.ok(gone.isCharacterDevice());
    assert.equal(gone.rdev, 0);
    assert.equal((await getAttribute(join(root, 'd'), 'user.overlay.opaque'))?.toString(), 'y');
    assert.equal(existsSync(join(root, '.wh.gone')), false);
  });

  test('fuse-overlayfs whiteouts: char 0/0 and user.fuseoverlayfs.opaque', async () => {
    const { root } = await extractInto(layer, fuseOverlayfsWhiteouts);
    assert.ok((await lstat(join(root, 'gone'))).isCharacterDevice());
    assert.equal((await getAttribute(join(root, 'd'), 'user.fuseoverlayfs.opaque'))?.toString(), 'y');
  });

  test('vfs whiteouts delete; an opaque folder keeps only what this layer wrote', async () => {
    const root = join(base, `layer-${n++}`);
    await mkdir(join(root, 'd'), { recursive: true });
    await mkdir(join(root, 'gone/sub'), { recursive: true });
    const first = await buildTar([
      { name: 'd/old', content: 'o' },
      { name: 'd/also', content: 'a' },
    ]);
    await applyLayerTar(root, Readable.from([first]), { whiteouts: vfsWhiteouts });
    const second = await buildTar([
      { name: 'd/', mode: 0o755 },
      { name: 'd/kept', content: 'k' },
      { name: 'd/.wh..wh..opq' },
      { name: '.wh.gone' },
    ]);
    await applyLayerTar(root, Readable.from([second]), { whiteouts: vfsWhiteouts });
    assert.deepEqual((await readdir(join(root, 'd'))).sort(), ['kept']);
    assert.equal(existsSync(join(root, 'gone')), false);
  });

  test('decompressLayer tells gzip, zstd and plain tar apart by magic bytes', async () => {
    const plain = await buildTar([{ name: 'f', content: 'z' }]);
    const zst = spawnSync('zstd', ['-c', '-q'], { input: plain });
    assert.equal(zst.status, 0, String(zst.stderr));
    for (const [kind, bytes] of [
      ['none', plain],
      ['gzip', gzipSync(plain)],
      ['zstd', zst.stdout],
    ] as const) {
      const { stream, compression } = await decompressLayer(
        Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]),
      );
      assert.equal(compression, kind);
      const out: Buffer[] = [];
      for await (const c of stream) out.push(c as Buffer);
      assert.ok(Buffer.concat(out).equals(plain), `${kind} round trip`);
    }
    const root = join(base, `layer-${n++}`);
    await mkdir(root);
    const { stream } = await decompressLayer(Readable.from([gzipSync(plain)]));
    const res = await applyLayerTar(root, stream, { whiteouts: vfsWhiteouts });
    assert.equal(res.diffId, `sha256:${createHash('sha256').update(plain).digest('hex')}`);
    assert.equal(await readFile(join(root, 'f'), 'utf8'), 'z');
  });
});
