import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nsenterArgs } from '../drivers/nsenter.js';
import { ENGINE_CONFIG_ENV, type EngineConfig } from '../ipc/engine-config.js';
import { engineCommand, engineEnvironment } from './engine-process.js';
import { restartDelay } from './engine-supervisor.js';

const config: EngineConfig = {
  launcherPid: 10,
  holderPid: 11,
  hostUid: 1001,
  hostGid: 1001,
  hostUser: 'rlt',
  runtimeDir: '/run/user/1001',
  dataRoot: '/home/rlt/.local/share/rootlessd',
  unixSockets: ['/run/user/1001/docker.sock'],
  tcpListeners: [],
  idMap: {
    mode: 'single',
    uids: [{ inside: 0, outside: 1001, size: 1 }],
    gids: [{ inside: 0, outside: 1001, size: 1 }],
  },
  daemon: {},
  warnings: [],
};

test('the engine runs node on dist/cli/engine.js, or on the source through tsx', () => {
  assert.deepEqual(engineCommand('/app/dist/cli/engine.js', '/usr/bin/node', ''), {
    program: '/usr/bin/node',
    args: ['--max-semi-space-size=1', '--expose-gc', '--interrupt-budget=1048576', '/app/dist/cli/engine.js'],
  });
  assert.deepEqual(engineCommand('/app/src/cli/engine.ts', '/usr/bin/node', '').args, [
    '--max-semi-space-size=1',
    '--expose-gc',
    '--interrupt-budget=1048576',
    '--enable-source-maps',
    '--import',
    'tsx',
    '/app/src/cli/engine.ts',
  ]);
  assert.deepEqual(engineCommand('/app/dist/cli/engine.js', '/usr/bin/node', '/tmp/prof').args.slice(3, 5), [
    '--cpu-prof',
    '--cpu-prof-dir=/tmp/prof',
  ]);
});

test('nsenter joins user and mount namespaces only, keeping credentials', () => {
  assert.deepEqual(
    nsenterArgs({ target: 42, user: true, mount: true, preserveCredentials: true }, '/usr/bin/node', [
      'x.js',
    ]),
    ['--user', '--mount', '--preserve-credentials', '-t', '42', '--', '/usr/bin/node', 'x.js'],
  );
});

test('the engine configuration is validated and passed as JSON', () => {
  const env = engineEnvironment(config, 'warning');
  assert.deepEqual(JSON.parse(env[ENGINE_CONFIG_ENV] ?? ''), config);
  assert.equal(env.ROOTLESSD_LOG_LEVEL, 'warn');
  assert.throws(() => engineEnvironment({ ...config, unixSockets: [] }), /unixSockets/);
});

test('restarts are immediate until crashes repeat fast, then back off up to a cap', () => {
  assert.equal(restartDelay(1), 0);
  assert.equal(restartDelay(3), 0);
  assert.ok(restartDelay(4) > 0);
  assert.ok(restartDelay(5) > restartDelay(4));
  assert.equal(restartDelay(50), 10_000);
});
