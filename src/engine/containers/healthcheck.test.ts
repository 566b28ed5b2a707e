import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyResult,
  goDuration,
  type HealthResult,
  type HealthState,
  mergeHealthcheck,
  nextDelayMs,
  probeOf,
  startingHealth,
  truncateOutput,
  validateHealthcheck,
} from './healthcheck.js';

const S = 1_000_000_000;
const started = '2026-01-01T00:00:00.000Z';

function result(exitCode: number, atSec: number): HealthResult {
  const t = new Date(Date.parse(started) + atSec * 1000).toISOString();
  return { Start: t, End: t, ExitCode: exitCode, Output: '' };
}

test('probeOf: CMD, CMD-SHELL, NONE and Docker defaults', () => {
  assert.equal(probeOf(undefined), undefined);
  assert.equal(probeOf({ Test: ['NONE'] }), undefined);
  assert.equal(probeOf({ Test: [] }), undefined);
  assert.deepEqual(probeOf({ Test: ['CMD-SHELL', 'test -f /x'] }), {
    cmd: ['/bin/sh', '-c', 'test -f /x'],
    intervalMs: 30_000,
    timeoutMs: 30_000,
    startPeriodMs: 0,
    startIntervalMs: 5_000,
    retries: 3,
  });
  const p = probeOf({
    Test: ['CMD', 'true', 'x'],
    Interval: S,
    Timeout: 2 * S,
    Retries: 2,
    StartPeriod: 5 * S,
  });
  assert.deepEqual(p?.cmd, ['true', 'x']);
  assert.equal(p?.intervalMs, 1000);
  assert.equal(p?.timeoutMs, 2000);
  assert.equal(p?.retries, 2);
  assert.equal(p?.startPeriodMs, 5000);
});

test('mergeHealthcheck: unset fields come from the image', () => {
  const image = { Test: ['CMD', 'img'], Interval: 5 * S, Retries: 7 };
  assert.deepEqual(mergeHealthcheck(undefined, image), image);
  assert.deepEqual(mergeHealthcheck({}, image), image);
  const merged = mergeHealthcheck({ Interval: S }, image);
  assert.deepEqual(merged?.Test, ['CMD', 'img']);
  assert.equal(merged?.Interval, S);
  assert.equal(merged?.Retries, 7);
  assert.deepEqual(mergeHealthcheck({ Test: ['NONE'] }, image)?.Test, ['NONE']);
  assert.equal(mergeHealthcheck(undefined, undefined), undefined);
});

test('validateHealthcheck: Docker messages', () => {
  assert.throws(
    () => validateHealthcheck({ Interval: 10 }),
    /Interval in Healthcheck cannot be less than 1ms/,
  );
  assert.throws(
    () => validateHealthcheck({ Timeout: 999_999 }),
    /Timeout in Healthcheck cannot be less than 1ms/,
  );
  assert.throws(() => validateHealthcheck({ Retries: -1 }), /Retries in Healthcheck cannot be negative/);
  validateHealthcheck({ Interval: 0, Test: ['CMD', 'x'] });
});

test('state machine: starting → unhealthy after retries → healthy on success', () => {
  const probe = { retries: 2, startPeriodMs: 0 };
  let h: HealthState = startingHealth();
  h = applyResult(h, result(1, 1), probe, started);
  assert.equal(h.Status, 'starting');
  assert.equal(h.FailingStreak, 1);
  h = applyResult(h, result(1, 2), probe, started);
  assert.equal(h.Status, 'unhealthy');
  assert.equal(h.FailingStreak, 2);
  h = applyResult(h, result(0, 3), probe, started);
  assert.equal(h.Status, 'healthy');
  assert.equal(h.FailingStreak, 0);
  h = applyResult(h, result(1, 4), probe, started);
  assert.equal(h.Status, 'healthy');
  assert.equal(h.FailingStreak, 1);
});

test('state machine: failures inside the start period do not count while starting', () => {
  const probe = { retries: 1, startPeriodMs: 10_000 };
  let h = applyResult(startingHealth(), result(1, 2), probe, started);
  assert.equal(h.Status, 'starting');
  assert.equal(h.FailingStreak, 0);
  assert.equal(h.Log.length, 1);
  h = applyResult(h, result(1, 11), probe, started);
  assert.equal(h.Status, 'unhealthy');
});

test('the log keeps the last five results; output is cut to 4096 bytes', () => {
  let h = startingHealth();
  for (let i = 0; i < 8; i++)
    h = applyResult(h, result(i === 7 ? 0 : 1, i), { retries: 3, startPeriodMs: 0 }, started);
  assert.equal(h.Log.length, 5);
  assert.equal(h.Log[4]?.ExitCode, 0);
  assert.equal(truncateOutput('x'.repeat(5000)).length, 4096);
  assert.equal(startingHealth(h).Log.length, 5);
});

test('nextDelayMs uses StartInterval only while starting inside the start period', () => {
  const p = probeOf({ Test: ['CMD', 'x'], Interval: 30 * S, StartPeriod: 60 * S, StartInterval: 2 * S });
  assert.ok(p);
  const now = Date.parse(started) + 1000;
  assert.equal(nextDelayMs(startingHealth(), p, started, now), 2000);
  assert.equal(nextDelayMs({ ...startingHealth(), Status: 'healthy' }, p, started, now), 30_000);
  assert.equal(nextDelayMs(startingHealth(), p, started, now + 120_000), 30_000);
});

test('goDuration prints as Go does', () => {
  assert.equal(goDuration(1000), '1s');
  assert.equal(goDuration(500), '500ms');
  assert.equal(goDuration(90_000), '1m30s');
  assert.equal(goDuration(1500), '1.5s');
  assert.equal(goDuration(3_600_000), '1h0m0s');
});
