import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyChanges } from './import-changes.js';

test('applyChanges sets CMD, ENV, LABEL, EXPOSE, WORKDIR as Docker does', () => {
  const c = applyChanges({ Env: ['A=1'] }, [
    'CMD ["/bin/sh","-c","echo hi"]',
    'ENTRYPOINT /init',
    'ENV A=2 B="two words"',
    'LABEL x=y',
    'EXPOSE 80 53/udp',
    'WORKDIR /srv',
  ]);
  assert.deepEqual(c.Cmd, ['/bin/sh', '-c', 'echo hi']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', '/init']);
  assert.deepEqual(c.Env, ['A=2', 'B=two words']);
  assert.deepEqual(c.Labels, { x: 'y' });
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), ['80/tcp', '53/udp']);
  assert.equal(c.WorkingDir, '/srv');
});

test('applyChanges refuses instructions Docker refuses', () => {
  assert.throws(() => applyChanges({}, ['RUN echo']), /run is not a valid change command/);
});
