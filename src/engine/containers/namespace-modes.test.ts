import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PeerProcess, resolveNamespaceModes } from './namespace-modes.js';

const peers: Record<string, PeerProcess> = {
  web: { id: 'w1', running: true, pid: 42, shareableIpc: false, shmPath: '/b/w1/shm' },
  shm: { id: 's1', running: true, pid: 43, shareableIpc: true, shmPath: '/b/s1/shm' },
  down: { id: 'd1', running: false, pid: 0, shareableIpc: true, shmPath: '/b/d1/shm' },
};
const peer = (ref: string) => peers[ref] as PeerProcess;

test('host leaves the namespace out; container: joins by /proc path', () => {
  const m = resolveNamespaceModes({ PidMode: 'host', UTSMode: 'host', IpcMode: 'container:shm' }, 'me', peer);
  assert.deepEqual(m.pid, { kind: 'host' });
  assert.deepEqual(m.uts, { kind: 'host' });
  assert.deepEqual(m.ipc, { kind: 'join', path: '/proc/43/ns/ipc' });
  assert.equal(m.shmSource, '/b/s1/shm');
  assert.deepEqual(resolveNamespaceModes({ PidMode: 'container:web' }, 'me', peer).pid, {
    kind: 'join',
    path: '/proc/42/ns/pid',
  });
});

test("Docker's refusals: non-running, non-shareable, own", () => {
  assert.throws(
    () => resolveNamespaceModes({ PidMode: 'container:down' }, 'me', peer),
    /non running container: d1/,
  );
  assert.throws(() => resolveNamespaceModes({ IpcMode: 'container:web' }, 'me', peer), /non-shareable IPC/);
  assert.throws(() => resolveNamespaceModes({ PidMode: 'container:web' }, 'w1', peer), /own PID namespace/);
  assert.equal(resolveNamespaceModes({ IpcMode: 'none' }, 'me', peer).noShm, true);
});
