import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepableSource } from './port-messages.js';

test('client addresses the relay can keep: IPv4 (also v4-mapped), not loopback, not IPv6', () => {
  assert.equal(keepableSource('10.203.0.2'), '10.203.0.2');
  assert.equal(keepableSource('::ffff:192.168.1.9'), '192.168.1.9');
  assert.equal(keepableSource('127.0.0.1'), undefined);
  assert.equal(keepableSource('::ffff:127.0.0.1'), undefined);
  assert.equal(keepableSource('::1'), undefined);
  assert.equal(keepableSource('2001:db8::1'), undefined);
  assert.equal(keepableSource(undefined), undefined);
});
