import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDevFuse } from './dev-fuse.js';
import { checkDevNetTun } from './dev-net-tun.js';

test('a device that opens read-write passes', async () => {
  const r = await checkDevFuse(false, '/dev/null');
  assert.equal(r.status, 'pass');
});

test('an unusable /dev/fuse fails; it blocks start only without native overlay', async () => {
  const withNative = await checkDevFuse(true, '/nonexistent/fuse');
  assert.equal(withNative.status, 'fail');
  assert.equal(withNative.blocksStart, false);
  assert.match(withNative.detail, /ENOENT/);
  assert.match(withNative.fix?.any ?? '', /modprobe fuse/);
  assert.match(withNative.fix?.apt ?? '', /apt-get install -y fuse3/);
  const withoutNative = await checkDevFuse(false, '/nonexistent/fuse');
  assert.equal(withoutNative.blocksStart, true);
});

test('an unusable /dev/net/tun fails and blocks start', async () => {
  const r = await checkDevNetTun('/nonexistent/tun');
  assert.equal(r.status, 'fail');
  assert.equal(r.blocksStart, true);
  assert.match(r.fix?.any ?? '', /modprobe tun/);
});
