import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSignal } from './signals.js';

test('signals by name, SIG name, number, default', () => {
  assert.equal(parseSignal('KILL'), 9);
  assert.equal(parseSignal('sigterm'), 15);
  assert.equal(parseSignal('10'), 10);
  assert.equal(parseSignal(undefined), 9);
  assert.equal(parseSignal('', 'SIGTERM'), 15);
});

test('unknown signals are a 400 with Docker text', () => {
  assert.throws(
    () => parseSignal('BOGUS'),
    (err: Error & { kind?: string }) => {
      assert.equal(err.kind, 'InvalidParameter');
      assert.equal(err.message, 'Invalid signal: BOGUS');
      return true;
    },
  );
  assert.throws(() => parseSignal('99'), /Invalid signal: 99/);
});
