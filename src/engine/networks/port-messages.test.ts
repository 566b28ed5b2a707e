import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepableSource, keepableSource6 } from './port-messages.js';

test('client addresses the relay can keep: IPv4 (also v4-mapped), not loopback, not IPv6', () => {
  assert.equal(keepableSource('10.203.0.2'), '10.203.0.2');
  assert.equal(keepableSource('::ffff:192.168.1.9'), '192.168.1.9');
  assert.equal(keepableSource('127.0.0.1'), undefined);
  assert.equal(keepableSource('::ffff:127.0.0.1'), undefined);
  assert.equal(keepableSource('::1'), undefined);
  assert.equal(keepableSource('2001:db8::1'), undefined);
  assert.equal(keepableSource(undefined), undefined);
});

test('IPv6 client addresses the relay can keep: not loopback, link-local, unspecified, multicast or mapped', () => {
  assert.equal(keepableSource6('fd00:72:1::2'), 'fd00:72:1::2');
  assert.equal(keepableSource6('2001:DB8::1'), '2001:db8::1');
  for (const a of ['::1', '::', '::ffff:10.0.0.1', 'fe80::1', 'febf::1', 'ff02::1', '10.0.0.1', undefined])
    assert.equal(keepableSource6(a), undefined, String(a));
});
