import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksLikeEngine, looksLikeLauncher } from './single-instance.js';
import { socketInodes } from './socket-owner.js';

test('launcher and engine command lines are told apart', () => {
  assert.ok(looksLikeLauncher(['/usr/bin/node', '/app/dist/cli/main.js']));
  assert.ok(looksLikeLauncher(['node', '/usr/local/bin/rootlessd', 'daemon']));
  assert.ok(!looksLikeLauncher(['/usr/bin/node', '--enable-source-maps', '/app/dist/cli/engine.js']));
  assert.ok(!looksLikeLauncher(['sleep', '100']));
  assert.ok(looksLikeEngine(['/usr/bin/node', '--enable-source-maps', '/app/dist/cli/engine.js']));
  assert.ok(looksLikeEngine(['/usr/bin/node', '--max-semi-space-size=1', '/app/dist/cli/engine.bundle.mjs']));
  assert.ok(!looksLikeEngine(['/usr/bin/node', '/app/dist/cli/main.js']));
});

test('socketInodes finds the inode of a bound path in /proc/net/unix', () => {
  const table = [
    'Num       RefCount Protocol Flags    Type St Inode Path',
    '0000000000000000: 00000002 00000000 00010000 0001 01 35612 /run/user/1001/docker.sock',
    '0000000000000000: 00000002 00000000 00010000 0001 01 35613 /run/user/1001/other.sock',
    '0000000000000000: 00000003 00000000 00000000 0001 03 35614',
  ].join('\n');
  assert.deepEqual(socketInodes(table, '/run/user/1001/docker.sock'), ['35612']);
  assert.deepEqual(socketInodes(table, '/nope'), []);
});
