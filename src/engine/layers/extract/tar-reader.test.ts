import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import tar from 'tar-stream';
import { buildTar, paxRecord } from '../testing/tar-fixtures.js';
import { entryComponents, LayerEntryRefused } from './entry-path.js';
import { parsePaxRecords } from './pax-records.js';
import { type TarEntry, TarReader } from './tar-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'rlt-tar-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Seen {
  entry: TarEntry;
  data?: string;
}

/** Reads `bytes` cut into `cut`-byte chunks; files are written to temporary files and read back. */
async function read(bytes: Buffer, cut = bytes.length, slow = false) {
  const seen: Seen[] = [];
  let n = 0;
  const reader = new TarReader({
    begin(entry) {
      const record: Seen = { entry };
      seen.push(record);
      if (entry.type === 'file') {
        const path = join(dir, `f${n++}`);
        record.data = path;
        return openSync(path, 'w');
      }
      return slow ? new Promise((r) => setTimeout(r, 1)) : undefined;
    },
    fileDone(_entry, fd) {
      assert.ok(fd >= 0);
    },
  });
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += cut) chunks.push(bytes.subarray(i, i + cut));
  await pipeline(Readable.from(chunks), reader);
  for (const s of seen) if (s.data) s.data = readFileSync(s.data, 'utf8');
  return { seen, digest: reader.digest(), size: reader.size };
}

test('parsePaxRecords keeps binary values byte for byte', () => {
  const value = Buffer.from([0, 0xff, 0x0a, 0x3d, 0x80]);
  const records = parsePaxRecords(
    Buffer.concat([paxRecord('SCHILY.xattr.user.b', value), paxRecord('path', 'a/b')]),
  );
  assert.deepEqual(records.get('SCHILY.xattr.user.b'), value);
  assert.equal(records.get('path')?.toString(), 'a/b');
});

test('TarReader gives each entry its fields, raw PAX records and data, whatever the chunking, and hashes the tar', async () => {
  const value = Buffer.from([0xc3, 0x28, 0xff]);
  const long = `${'d/'.repeat(80)}file-with-a-long-name`;
  const bytes = await buildTar([
    { name: 'd/', mode: 0o750, uid: 7, gid: 8 },
    { name: 'd/f', content: 'x'.repeat(700), pax: { 'SCHILY.xattr.user.v': value, mtime: '1700000000.25' } },
    { name: 'l', type: 'symlink', linkname: '/abs' },
    { name: 'renamed', content: 'pax', pax: { path: 'by/pax', uid: '123456789' } },
    { name: long, content: 'long' },
    { name: 'h', type: 'link', linkname: 'd/f' },
    { name: 'empty', content: '' },
  ]);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  for (const [cut, slow] of [
    [bytes.length, false],
    [1, false],
    [511, true],
    [4096, false],
  ] as const) {
    const { seen, digest: got, size } = await read(bytes, cut, slow);
    assert.equal(got, digest, `cut ${cut}`);
    assert.equal(size, bytes.length);
    const view = seen.map((s) => [s.entry.name, s.entry.type, s.data]);
    assert.deepEqual(view, [
      ['d/', 'directory', undefined],
      ['d/f', 'file', 'x'.repeat(700)],
      ['l', 'symlink', undefined],
      ['by/pax', 'file', 'pax'],
      [long, 'file', 'long'],
      ['h', 'link', undefined],
      ['empty', 'file', ''],
    ]);
    const [d, f, l, p, , h] = seen.map((s) => s.entry);
    assert.deepEqual([d!.mode, d!.uid, d!.gid, d!.mtime], [0o750, 7, 8, 1704164645]);
    assert.deepEqual(f!.pax?.get('SCHILY.xattr.user.v'), value);
    assert.equal(f!.mtime, 1700000000.25);
    assert.equal(f!.size, 700);
    assert.equal(l!.linkname, '/abs');
    assert.equal(l!.pax, undefined);
    assert.equal(p!.uid, 123456789);
    assert.equal(h!.linkname, 'd/f');
  }
});

test('TarReader reads a ustar prefix and GNU long names as tar-stream does', async () => {
  const pack = tar.pack();
  const name = `${'p'.repeat(120)}/name`;
  pack.entry({ name, size: 1, mode: 0o644, mtime: new Date(0) }, 'a');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  // A GNU long name: a file entry retyped `L` whose data is the name of the next entry.
  const gnu = Buffer.concat(chunks);
  const longName = `${'g'.repeat(150)}/x`;
  const pack2 = tar.pack();
  pack2.entry({ name: '././@LongLink', size: longName.length + 1, mtime: new Date(0) }, `${longName}\0`);
  pack2.entry({ name: 'short', type: 'symlink', linkname: 't', mtime: new Date(0) });
  pack2.finalize();
  const chunks2: Buffer[] = [];
  for await (const c of pack2) chunks2.push(c as Buffer);
  const gnuBytes = Buffer.concat(chunks2);
  gnuBytes[156] = 0x4c;
  gnuBytes.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of gnuBytes.subarray(0, 512)) sum += b;
  gnuBytes.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  const { seen } = await read(Buffer.concat([gnu.subarray(0, gnu.length - 1024), gnuBytes]));
  assert.deepEqual(
    seen.map((s) => [s.entry.name, s.data ?? s.entry.linkname]),
    [
      [name, 'a'],
      [longName, 't'],
    ],
  );
});

test('TarReader refuses a corrupt header and a truncated tar', async () => {
  const bytes = await buildTar([{ name: 'a', content: 'x'.repeat(1000) }]);
  const corrupt = Buffer.from(bytes);
  corrupt[10] = 0x41;
  await assert.rejects(read(corrupt), /Invalid tar header/);
  await assert.rejects(read(bytes.subarray(0, 700)), /Unexpected end of data/);
  await assert.rejects(read(bytes.subarray(0, 1000)), /Unexpected end of data/);
  const notTar = Buffer.alloc(512, 0x41);
  await assert.rejects(read(notTar), /Invalid tar header/);
});

test('TarReader handles no entry after it is destroyed, not even of a chunk it had accepted', async () => {
  const bytes = await buildTar([
    { name: 'a', content: 'x' },
    { name: 'b', content: 'y' },
  ]);
  const begun: string[] = [];
  const reader = new TarReader({
    begin(entry) {
      begun.push(entry.name);
      return undefined;
    },
    fileDone() {},
  });
  reader.on('error', () => {});
  // Chunks are handled after write() returns (gunzip inflates the next one meanwhile):
  // a reader destroyed in between, as by an error elsewhere or an abort, writes nothing.
  reader.write(bytes);
  reader.destroy(new Error('aborted'));
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(begun, []);
});

test('entryComponents strips leading slashes and dots, refuses ..', () => {
  assert.deepEqual(entryComponents('/usr/./bin/'), ['usr', 'bin']);
  assert.deepEqual(entryComponents('./'), []);
  assert.throws(() => entryComponents('../escape'), LayerEntryRefused);
  assert.throws(() => entryComponents('/abs/../../x'), LayerEntryRefused);
  assert.throws(() => entryComponents('a/..'), /"a\/\.\."/);
  assert.deepEqual(entryComponents('a//b/./c/'), ['a', 'b', 'c']);
  assert.deepEqual(entryComponents('..a/b..'), ['..a', 'b..']);
  assert.throws(() => entryComponents('a/b\0c'), /NUL/);
});
