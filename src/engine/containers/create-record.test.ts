import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilitySet, DEFAULT_CAPABILITIES } from './capabilities.js';
import { buildRecord } from './create-record.js';

const image = {
  id: 'sha256:abc',
  chainId: 'sha256:def',
  config: {
    config: {
      Env: ['PATH=/bin', 'A=1'],
      Cmd: ['sh'],
      Entrypoint: null,
      WorkingDir: '/w',
      Labels: { l: 'img' },
    },
  },
};
const ids = { id: 'a'.repeat(64), name: '/x', driver: 'overlay' };

test('cmd from the request replaces the image cmd; env merges by key', () => {
  const { record } = buildRecord({ Image: 'bb', Cmd: ['echo', 'hi'], Env: ['A=2', 'B=3'] }, image, ids);
  assert.equal(record.path, 'echo');
  assert.deepEqual(record.args, ['hi']);
  const env = record.config.Env as string[];
  assert.ok(env.includes('A=2') && env.includes('B=3') && env.includes('PATH=/bin'));
  assert.ok(!env.includes('A=1'));
  assert.equal(record.config.WorkingDir, '/w');
  assert.equal(record.config.Hostname, 'a'.repeat(12));
});

test('an entrypoint from the request drops the image cmd', () => {
  const { record } = buildRecord({ Image: 'bb', Entrypoint: ['/bin/echo'] }, image, ids);
  assert.equal(record.path, '/bin/echo');
  assert.deepEqual(record.args, []);
});

test('resource limits are discarded with Docker warnings, not refused', () => {
  const { warnings } = buildRecord(
    { Image: 'bb', HostConfig: { Memory: 1 << 20, NanoCpus: 1e9 } },
    image,
    ids,
  );
  assert.ok(
    warnings.includes(
      'Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.',
    ),
  );
  assert.equal(warnings.length, 2);
});

test("Config.Env as Docker merges it (the client's first, no daemon defaults); unsupported options are refused", () => {
  const { record } = buildRecord({ Image: 'bb', Cmd: ['true'] }, { id: 'sha256:1', config: {} }, ids);
  assert.deepEqual(record.config.Env, []);
  const merged = buildRecord({ Image: 'bb', Env: ['B=3', 'A=2'] }, image, ids).record.config.Env;
  assert.deepEqual(merged, ['B=3', 'A=2', 'PATH=/bin']);
  assert.throws(
    () => buildRecord({ Image: 'bb', HostConfig: { PidMode: 'nope' } }, image, ids),
    /invalid PID mode: nope/,
  );
  assert.throws(
    () => buildRecord({ Image: 'bb', Hostname: 'h', HostConfig: { UTSMode: 'host' } }, image, ids),
    /conflicting options: hostname and the UTS mode/,
  );
  assert.throws(
    () => buildRecord({ Image: 'bb', HostConfig: { UTSMode: 'container:x' } }, image, ids),
    /invalid UTS mode/,
  );
  assert.throws(
    () => buildRecord({ Image: 'bb', HostConfig: { Devices: [{ PathOnHost: 'dev/x' }] } }, image, ids),
    /not an absolute path/,
  );
  assert.doesNotThrow(() =>
    buildRecord({ Image: 'bb', HostConfig: { PidMode: 'host', IpcMode: 'container:web' } }, image, ids),
  );
});

test('capabilities: defaults, add, drop, ALL', () => {
  assert.deepEqual(new Set(capabilitySet({})), new Set(DEFAULT_CAPABILITIES));
  assert.ok(capabilitySet({ capAdd: ['NET_ADMIN'] }).includes('CAP_NET_ADMIN'));
  assert.ok(!capabilitySet({ capDrop: ['chown'] }).includes('CAP_CHOWN'));
  assert.deepEqual(capabilitySet({ capDrop: ['ALL'], capAdd: ['KILL'] }), ['CAP_KILL']);
  assert.throws(() => capabilitySet({ capAdd: ['NOPE'] }), /unknown capability/);
});

test("Tmpfs destinations: absolute and not the root, with Docker's messages", () => {
  const tmpfs = (Tmpfs: Record<string, string>) => () =>
    buildRecord({ Image: 'bb', HostConfig: { Tmpfs } }, image, ids);
  assert.throws(tmpfs({ 'run/x': '' }), /invalid mount path: 'run\/x' mount path must be absolute/);
  assert.throws(tmpfs({ '/': '' }), /destination can't be '\/'/);
  assert.doesNotThrow(tmpfs({ '/run/x': 'size=1m' }));
});
