import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMPACT_ABOVE_BYTES, IdleTrimmer, idleGc, mallocTrim } from './malloc-trim.js';

test('the addon answers (built by npm run build) or the call is a no-op', () => {
  assert.equal(typeof mallocTrim(), 'boolean');
});

test('one gc and trim once the process is quiet, after the last touch', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const calls: string[] = [];
  const trimmer = new IdleTrimmer(
    1000,
    () => calls.push('trim'),
    () => calls.push('gc'),
    () => 0,
  );
  trimmer.touch();
  t.mock.timers.tick(900);
  trimmer.touch();
  t.mock.timers.tick(900);
  assert.deepEqual(calls, []);
  t.mock.timers.tick(100);
  assert.deepEqual(calls, ['gc', 'trim']);
  t.mock.timers.tick(5000);
  assert.deepEqual(calls, ['gc', 'trim']);
  trimmer.touch();
  t.mock.timers.tick(1000);
  assert.deepEqual(calls, ['gc', 'trim', 'gc', 'trim']);
  trimmer.touch();
  trimmer.stop();
  t.mock.timers.tick(2000);
  assert.equal(calls.length, 4);
});

test('a busy event loop postpones the trim until a quiet period', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const calls: string[] = [];
  let share = 0.5;
  const trimmer = new IdleTrimmer(
    1000,
    () => calls.push('trim'),
    () => calls.push('gc'),
    () => share,
  );
  trimmer.touch();
  t.mock.timers.tick(1000);
  t.mock.timers.tick(1000);
  assert.deepEqual(calls, []);
  share = 0.01;
  t.mock.timers.tick(1000);
  assert.deepEqual(calls, ['gc', 'trim']);
  trimmer.stop();
});

test('the idle collection compacts only when the old generation has room to give back', () => {
  const calls: string[] = [];
  let free = 0;
  const gc = idleGc(
    {},
    () => calls.push('gc'),
    () => free,
    (flags) => calls.push(flags),
  );
  assert.ok(gc);
  gc();
  assert.deepEqual(calls, ['gc']);
  calls.length = 0;
  free = COMPACT_ABOVE_BYTES + 1;
  gc();
  assert.deepEqual(calls, ['gc', '--compact-on-every-full-gc', 'gc', '--no-compact-on-every-full-gc']);
});

test('with flushCode the first collection also flushes bytecode, for that collection only', () => {
  const calls: string[] = [];
  let free = 0;
  const gc = idleGc(
    { flushCode: true },
    () => calls.push('gc'),
    () => free,
    (flags) => calls.push(flags),
  );
  assert.ok(gc);
  gc();
  assert.deepEqual(calls, ['--stress-flush-code', 'gc', '--no-stress-flush-code']);
  calls.length = 0;
  free = COMPACT_ABOVE_BYTES + 1;
  gc();
  assert.deepEqual(calls, [
    '--stress-flush-code',
    'gc',
    '--no-stress-flush-code',
    '--compact-on-every-full-gc',
    'gc',
    '--no-compact-on-every-full-gc',
  ]);
});
