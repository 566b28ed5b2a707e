import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  nextBackoff,
  parseRestartPolicy,
  shouldRestartAtEngineStart,
  shouldRestartOnExit,
} from './restart-policy.js';

test('parses Docker policies and rejects bad ones', () => {
  assert.deepEqual(parseRestartPolicy(undefined), { name: 'no', maximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy({ Name: 'on-failure', MaximumRetryCount: 2 }), {
    name: 'on-failure',
    maximumRetryCount: 2,
  });
  assert.throws(() => parseRestartPolicy({ Name: 'sometimes' }), /unknown policy/);
  assert.throws(() => parseRestartPolicy({ Name: 'always', MaximumRetryCount: 3 }), /on-failure/);
});

test('on-failure stops after N retries and ignores success', () => {
  const p = parseRestartPolicy({ Name: 'on-failure', MaximumRetryCount: 2 });
  assert.equal(shouldRestartOnExit(p, { exitCode: 1, stoppedByUser: false, restartCount: 1 }), true);
  assert.equal(shouldRestartOnExit(p, { exitCode: 1, stoppedByUser: false, restartCount: 2 }), false);
  assert.equal(shouldRestartOnExit(p, { exitCode: 0, stoppedByUser: false, restartCount: 0 }), false);
});

test('a user stop prevents restarts; engine start restarts always but not a stopped unless-stopped', () => {
  const always = parseRestartPolicy({ Name: 'always' });
  const unless = parseRestartPolicy({ Name: 'unless-stopped' });
  assert.equal(shouldRestartOnExit(always, { exitCode: 0, stoppedByUser: true, restartCount: 0 }), false);
  assert.equal(shouldRestartAtEngineStart(always, { stoppedByUser: true, everStarted: true }), true);
  assert.equal(shouldRestartAtEngineStart(unless, { stoppedByUser: true, everStarted: true }), false);
  assert.equal(shouldRestartAtEngineStart(always, { stoppedByUser: false, everStarted: false }), false);
});

test('back-off doubles from 100 ms and resets after 10 s of running', () => {
  assert.equal(nextBackoff(undefined, 0), 100);
  assert.equal(nextBackoff(100, 50), 200);
  assert.equal(nextBackoff(400, 50), 800);
  assert.equal(nextBackoff(800, 10_000), 100);
  assert.equal(nextBackoff(60_000, 1), 60_000);
});
