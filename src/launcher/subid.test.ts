import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findSubIdRange, parseSubIdFile } from './subid.js';

test('parseSubIdFile reads owner:start:count and skips comments and junk', () => {
  const text = '# comment\nrlt:100000:65536\n\nbad line\n1002:165536:65536\nzero:1:0\nneg:-1:5\n';
  assert.deepEqual(parseSubIdFile(text), [
    { owner: 'rlt', start: 100000, count: 65536 },
    { owner: '1002', start: 165536, count: 65536 },
  ]);
});

test('findSubIdRange matches by name or by uid, first entry wins', () => {
  const entries = parseSubIdFile('alice:200000:1000\n1001:100000:65536\nrlt:300000:10\n');
  assert.deepEqual(findSubIdRange(entries, { name: 'rlt', id: 1001 }), { start: 100000, count: 65536 });
  assert.deepEqual(findSubIdRange(entries, { name: 'alice', id: 5 }), { start: 200000, count: 1000 });
  assert.equal(findSubIdRange(entries, { name: 'bob', id: 7 }), undefined);
});
