import assert from 'node:assert/strict';
import { test } from 'node:test';
import { daemonEnvironment } from './oci-spec.js';

test("daemonEnvironment: Docker's PATH, HOSTNAME and (with a tty) TERM, then Config.Env over them", () => {
  assert.deepEqual(daemonEnvironment({ Env: ['A=1'], Hostname: 'h' }, false), [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'HOSTNAME=h',
    'A=1',
  ]);
  assert.deepEqual(daemonEnvironment({ Env: ['PATH=/bin', 'TERM=dumb'], Hostname: 'h' }, true), [
    'PATH=/bin',
    'HOSTNAME=h',
    'TERM=dumb',
  ]);
  assert.deepEqual(daemonEnvironment({ Env: null, Hostname: 'h' }, true).slice(1), [
    'HOSTNAME=h',
    'TERM=xterm',
  ]);
});
