import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execProcessSpec } from './exec-spec.js';

test("an exec's environment: the container's, TERM=xterm with a tty (as Docker), then its own", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'exec-spec-'));
  const bundle = join(dir, 'config.json');
  writeFileSync(bundle, JSON.stringify({ process: { env: ['PATH=/bin', 'HOSTNAME=h', 'A=1'], cwd: '/' } }));
  const req = { cmd: ['env'], env: ['B=2'], workingDir: '', user: '', tty: false, privileged: false };
  assert.deepEqual((await execProcessSpec(bundle, dir, req)).env, ['PATH=/bin', 'HOSTNAME=h', 'A=1', 'B=2']);
  assert.deepEqual((await execProcessSpec(bundle, dir, { ...req, tty: true })).env, [
    'PATH=/bin',
    'HOSTNAME=h',
    'A=1',
    'TERM=xterm',
    'B=2',
  ]);
  assert.deepEqual((await execProcessSpec(bundle, dir, { ...req, tty: true, env: ['TERM=dumb'] })).env, [
    'PATH=/bin',
    'HOSTNAME=h',
    'A=1',
    'TERM=dumb',
  ]);
});
