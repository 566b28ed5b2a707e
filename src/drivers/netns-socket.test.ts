import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { skipUnless } from '../../test/helpers/prerequisite.js';
import { netnsBinder } from './netns-socket.js';

// Needs root (a network namespace of its own, made by unshare) and the addon (npm run build).
const canRun =
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['--net', 'true']).status === 0 &&
  netnsBinder(process.pid) !== undefined;

test('sockets are bound inside the other namespace: its addresses, not ours', {
  skip: skipUnless(canRun, 'needs root, unshare and the netns-socket addon (npm run build)'),
}, async (t) => {
  const ns = spawn(
    'unshare',
    [
      '--net',
      'sh',
      '-c',
      'ip link set lo up && ip addr add 10.251.0.1/24 dev lo && echo up && exec sleep 60',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  t.after(() => ns.kill('SIGKILL'));
  await new Promise((r) => ns.stdout.once('data', r));
  const binder = netnsBinder(ns.pid ?? 0);
  assert.ok(binder);
  t.after(() => binder.close());

  // 10.251.0.1 exists only in there.
  const here = createSocket('udp4');
  const refused = await new Promise<NodeJS.ErrnoException>((resolve) => {
    here.once('error', resolve);
    here.bind(0, '10.251.0.1');
  });
  assert.equal(refused.code, 'EADDRNOTAVAIL');
  here.close();
  // Adopted already bound: dgram says 'listening' before udp() returns.
  const udp = binder.udp('10.251.0.1', 0);
  assert.equal(udp.address().address, '10.251.0.1');
  const server = createServer();
  binder.listenTcp(server, '10.251.0.1', 0);
  await new Promise((r) => server.once('listening', r));
  assert.equal((server.address() as { address: string }).address, '10.251.0.1');
  udp.close();
  server.close();

  assert.throws(() => binder.udp('10.252.0.1', 0), { code: 'EADDRNOTAVAIL' });
});
