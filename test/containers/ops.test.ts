import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pushBusybox } from '../fixtures/images.js';
import { type Registry, startRegistry } from '../fixtures/registry.js';
import { type Daemon, docker, dockerOk, sleep, startDaemon } from '../helpers/index.js';

/** Restart policies, prune, top and stats with the real docker CLI, as an unprivileged user. */

let d: Daemon;
let registry: Registry;
let bb: string;
const NET = ['--network', 'none'];

before(async () => {
  registry = await startRegistry();
  bb = `${registry.host}/library/busybox:latest`;
  await pushBusybox(registry);
  d = await startDaemon();
  await dockerOk(d, ['pull', bb]);
});
after(async () => {
  await d?.stop();
  await registry?.stop();
});

async function state(name: string): Promise<string> {
  return (await dockerOk(d, ['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', name])).trim();
}

async function until(fn: () => Promise<boolean>, what: string, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await fn()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('restart policies', () => {
  test('on-failure:2 restarts twice then stays exited', async () => {
    const r = await docker(d, [
      'run',
      '-d',
      '--name',
      'of2',
      '--restart',
      'on-failure:2',
      ...NET,
      bb,
      'sh',
      '-c',
      'exit 3',
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /not applied/);
    await until(async () => (await state('of2')) === 'exited 2', 'two restarts');
    await sleep(1000);
    assert.equal(await state('of2'), 'exited 2');
    assert.equal((await dockerOk(d, ['inspect', '-f', '{{.State.ExitCode}}', 'of2'])).trim(), '3');
  });

  test('always restarts after exit and after kill -9 of the engine; docker stop ends it', async () => {
    await dockerOk(d, [
      'run',
      '-d',
      '--name',
      'alw',
      '--restart',
      'always',
      ...NET,
      bb,
      'sh',
      '-c',
      'sleep 1',
    ]);
    await until(
      async () => (await state('alw')).startsWith('running') && !(await state('alw')).endsWith(' 0'),
      'a restart',
    );
    await dockerOk(d, ['stop', '-t', '1', 'alw']);
    await sleep(1500);
    assert.match(await state('alw'), /^exited/);
    // Docker restarts `always` containers at daemon start, even after a user stop.
    const pid = d.pids().engine;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await until(
      async () =>
        (await docker(d, ['inspect', '-f', '{{.State.Status}}', 'alw'])).stdout.trim() === 'running',
      'restart at engine start',
      150,
    );
    await dockerOk(d, ['rm', '-f', 'alw']);
  });
});

describe('inspection', () => {
  test('top and stats --no-stream show the container processes', async () => {
    await dockerOk(d, ['run', '-d', '--name', 'busy', ...NET, bb, 'sh', '-c', 'while :; do :; done']);
    const top = await dockerOk(d, ['top', 'busy']);
    assert.match(top, /PID/);
    assert.match(top, /while :; do :; done/);
    const aux = await dockerOk(d, ['top', 'busy', 'aux']);
    assert.match(aux, /%CPU/);
    const stats = await dockerOk(d, [
      'stats',
      '--no-stream',
      '--format',
      '{{.CPUPerc}} {{.MemUsage}} {{.PIDs}}',
      'busy',
    ]);
    const [cpu, mem, , , pids] = stats.trim().split(/\s+/);
    assert.ok(Number.parseFloat(cpu ?? '0') > 10, stats);
    assert.match(mem ?? '', /[KMG]i?B$/);
    assert.equal(pids, '1');
    const pause = await docker(d, ['pause', 'busy']);
    assert.notEqual(pause.exitCode, 0);
    assert.match(pause.stderr, /freezer/);
    await dockerOk(d, ['rm', '-f', 'busy']);
  });

  test('container prune removes stopped containers only', async () => {
    await dockerOk(d, ['run', '--name', 'done1', ...NET, bb, 'true']);
    await dockerOk(d, ['run', '-d', '--name', 'live1', ...NET, bb, 'sleep', '60']);
    const out = await dockerOk(d, ['container', 'prune', '-f']);
    assert.match(out, /Deleted Containers/);
    const left = (await dockerOk(d, ['ps', '-a', '--format', '{{.Names}}'])).split('\n');
    assert.ok(!left.includes('done1'));
    assert.ok(left.includes('live1'));
    await dockerOk(d, ['rm', '-f', 'live1']);
  });
});
