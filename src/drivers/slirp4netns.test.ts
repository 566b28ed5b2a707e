import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holderArgs } from './holder.js';
import { idMapArgs } from './idmap.js';
import { slirp4netnsArgs } from './slirp4netns.js';

test('slirp4netns gets tap0, the MTU, the sandbox, the API socket and the ready/exit fds', () => {
  assert.deepEqual(slirp4netnsArgs({ targetPid: 77, mtu: 65520, apiSocket: '/run/x/slirp.sock' }), [
    '--configure',
    '--mtu=65520',
    '--enable-sandbox',
    '--enable-seccomp',
    '--api-socket',
    '/run/x/slirp.sock',
    '--ready-fd=3',
    '--exit-fd=4',
    '77',
    'tap0',
  ]);
  const noLoop = slirp4netnsArgs({
    targetPid: 1,
    mtu: 1500,
    apiSocket: 's',
    disableHostLoopback: true,
    sandbox: false,
  });
  assert.ok(noLoop.includes('--disable-host-loopback'));
  assert.ok(!noLoop.includes('--enable-sandbox'));
  assert.ok(noLoop.includes('--mtu=1500'));
  assert.ok(!noLoop.includes('--enable-ipv6'));
  assert.ok(
    slirp4netnsArgs({ targetPid: 1, mtu: 1500, apiSocket: 's', ipv6: true }).includes('--enable-ipv6'),
  );
});

test('newuidmap arguments are the pid then triples', () => {
  assert.deepEqual(
    idMapArgs(5, [
      { inside: 0, outside: 1001, size: 1 },
      { inside: 1, outside: 100000, size: 65536 },
    ]),
    ['5', '0', '1001', '1', '1', '100000', '65536'],
  );
});

test('the holder unshares user, mount and net and maps root only in single-id mode', () => {
  assert.deepEqual(holderArgs({ mapRootUser: false }), [
    '--user',
    '--mount',
    '--net',
    '--propagation',
    'private',
    '--',
    '/usr/bin/catatonit',
    '-P',
  ]);
  assert.ok(holderArgs({ mapRootUser: true }).includes('--map-root-user'));
});
