import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveContainer } from './live-container.js';
import { RestartSupervisor } from './restart-supervisor.js';

/** Just what the supervisor reads of a container. */
function fakeContainer(id: string): LiveContainer & { isRunning: boolean } {
  const c = {
    id,
    removed: false,
    isRunning: false,
    get running() {
      return this.isRunning;
    },
    record: { hostConfig: { RestartPolicy: { Name: 'always' } } },
    state: {
      exitCode: 0,
      stoppedByUser: false,
      restartCount: 0,
      startedAt: new Date(Date.now() - 50).toISOString(),
      finishedAt: new Date().toISOString(),
    },
    saveState: async () => undefined,
  };
  return c as unknown as LiveContainer & { isRunning: boolean };
}

test('a stop during a policy start waits for that start, and no restart follows it', async () => {
  const c = fakeContainer('a');
  let release!: () => void;
  let starts = 0;
  const sup = new RestartSupervisor(
    () => c,
    async () => {
      starts++;
      await new Promise<void>((r) => {
        release = r;
      });
      c.isRunning = true;
    },
  );
  sup.onExit(c);
  // The back-off timer fires and the start is under way (not running yet).
  while (starts === 0) await new Promise((r) => setTimeout(r, 10));
  assert.equal(c.running, false);
  let cancelled = false;
  const cancel = sup.cancel(c).then(() => {
    cancelled = true;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(cancelled, false, 'cancel waits for the start under way');
  release();
  await cancel;
  // The caller (stop/kill) now sees the container running and stops it.
  assert.equal(c.running, true);
  c.isRunning = false;
  c.state.stoppedByUser = true;
  sup.onExit(c);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(starts, 1, 'a user-stopped container is not restarted');
});

test('a stop while the restart is only scheduled marks the container user-stopped', async () => {
  const c = fakeContainer('b');
  let starts = 0;
  const sup = new RestartSupervisor(
    () => c,
    async () => {
      starts++;
    },
  );
  c.state.finishedAt = c.state.startedAt;
  sup.onExit(c);
  await sup.cancel(c);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(starts, 0);
  assert.equal(c.state.stoppedByUser, true);
});
