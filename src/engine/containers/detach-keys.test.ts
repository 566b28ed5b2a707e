import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachDetachKeys, DetachKeyFilter, execDetachKeys, parseKeySequence } from './detach-keys.js';

test('parses Docker key syntax', () => {
  assert.deepEqual(parseKeySequence('ctrl-p,ctrl-q'), Buffer.from([16, 17]));
  assert.deepEqual(parseKeySequence('ctrl-a,X'), Buffer.from([1, 88]));
  assert.deepEqual(parseKeySequence('CTRL-Z'), Buffer.from([26]));
  assert.deepEqual(
    parseKeySequence('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_'),
    Buffer.from([0, 27, 28, 29, 30, 31]),
  );
  for (const bad of ['ctrl-', 'ctrl-1', 'ctrl-pp', 'alt-p', 'ab', '', 'a,,b', 'é'])
    assert.equal(parseKeySequence(bad), undefined, bad);
});

test('defaults and Docker messages', () => {
  assert.deepEqual(attachDetachKeys(''), Buffer.from([16, 17]));
  assert.deepEqual(attachDetachKeys(undefined), Buffer.from([16, 17]));
  assert.throws(
    () => attachDetachKeys('ctrl-foo'),
    /^InvalidParameter|Invalid detach keys \(ctrl-foo\) provided/,
  );
  assert.throws(() => execDetachKeys('nope'), /Invalid escape keys \(nope\) provided/);
});

test('filter: the whole sequence detaches and is not passed on', () => {
  const f = new DetachKeyFilter(Buffer.from([16, 17]));
  assert.deepEqual(f.push(Buffer.from('ab\x10\x11cd')), { pass: Buffer.from('ab'), detach: true });
});

test('filter: a sequence split across chunks is held, then detaches', () => {
  const f = new DetachKeyFilter(Buffer.from([16, 17]));
  assert.deepEqual(f.push(Buffer.from('x\x10')), { pass: Buffer.from('x'), detach: false });
  assert.deepEqual(f.push(Buffer.from('\x11')), { pass: Buffer.alloc(0), detach: true });
});

test('filter: a partial match followed by other bytes passes through', () => {
  const f = new DetachKeyFilter(Buffer.from([16, 17]));
  assert.deepEqual(f.push(Buffer.from('\x10')), { pass: Buffer.alloc(0), detach: false });
  assert.deepEqual(f.push(Buffer.from('a')), { pass: Buffer.from('\x10a'), detach: false });
  // A repeated first key: the first passes, the second may still start the sequence.
  assert.deepEqual(f.push(Buffer.from('\x10\x10')), { pass: Buffer.from('\x10'), detach: false });
  assert.deepEqual(f.push(Buffer.from('\x11')), { pass: Buffer.alloc(0), detach: true });
});

test('filter: a one-key sequence', () => {
  const f = new DetachKeyFilter(Buffer.from([24]));
  assert.deepEqual(f.push(Buffer.from('a\x18b')), { pass: Buffer.from('a'), detach: true });
});
