import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import tar from 'tar-stream';
import { buildTar, paxRecord } from '../testing/tar-fixtures.js';
import { entryComponents, LayerEntryRefused } from './entry-path.js';
import { PaxTap, parsePaxRecords } from './pax-tap.js';

test('parsePaxRecords keeps binary values byte for byte', () => {
  const value = Buffer.from([0, 0xff, 0x0a, 0x3d, 0x80]);
  const records = parsePaxRecords(
    Buffer.concat([paxRecord('SCHILY.xattr.user.b', value), paxRecord('path', 'a/b')]),
  );
  assert.deepEqual(records.get('SCHILY.xattr.user.b'), value);
  assert.equal(records.get('path')?.toString(), 'a/b');
});

test('PaxTap hands each entry its own raw PAX records, in tar-stream order, and hashes the tar', async () => {
  const value = Buffer.from([0xc3, 0x28, 0xff]);
  const bytes = await buildTar([
    { name: 'd/' },
    { name: 'd/f', content: 'x'.repeat(700), pax: { 'SCHILY.xattr.user.v': value } },
    { name: 'l', type: 'symlink', linkname: '/abs' },
  ]);
  const tap = new PaxTap();
  const extract = tar.extract();
  const seen: [string, Buffer | undefined][] = [];
  const done = pipeline(Readable.from([bytes.subarray(0, 100), bytes.subarray(100)]), tap, extract);
  for await (const entry of extract) {
    seen.push([entry.header.name, tap.nextEntryPax()?.get('SCHILY.xattr.user.v')]);
    entry.resume();
  }
  await done;
  assert.deepEqual(seen, [
    ['d/', undefined],
    ['d/f', value],
    ['l', undefined],
  ]);
  assert.equal(tap.digest(), `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
});

test('entryComponents strips leading slashes and dots, refuses ..', () => {
  assert.deepEqual(entryComponents('/usr/./bin/'), ['usr', 'bin']);
  assert.deepEqual(entryComponents('./'), []);
  assert.throws(() => entryComponents('../escape'), LayerEntryRefused);
  assert.throws(() => entryComponents('/abs/../../x'), LayerEntryRefused);
  assert.throws(() => entryComponents('a/..'), /"a\/\.\."/);
});
