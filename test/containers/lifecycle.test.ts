import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Registry } from '../fixtures/registry.js';
import {
  type Daemon,
  docker,
  dockerJson,
  dockerOk,
  sleep,
  waitForApi,
  withDaemon,
} from '../helpers/index.js';

/** Container lifecycle with the real docker CLI, runc and conmon, as an unprivileged user. */

let d: Daemon;
let registry: Registry;
let bb: string;
// The containers' own network namespace (loopback only) does not depend on the networks module.
const NET = ['--network', 'none'];

withDaemon({ images: ['busybox'] }, (env) => {
  d = env.daemon;
  registry = env.registry;
  bb = env.image('busybox');
});

function enginePid(): number {
  const pid = d.pids().engine;
  if (!pid) throw new Error('no engine pid file');
  return pid;
}

describe('docker run', () => {
  test('prints the output and removes the container with --rm', async () => {
    const r = await docker(d, ['run', '--rm', ...NET, bb, 'echo', 'hi']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
    assert.equal((await dockerOk(d, ['ps', '-aq'])).trim(), '');
  });

  test('passes the exit code and keeps stdout and stderr apart', async () => {
    const r = await docker(d, ['run', '--rm', ...NET, bb, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.exitCode, 3);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  test('-i forwards stdin and closes it at its end', async () => {
    const r = await docker(d, ['run', '--rm', '-i', ...NET, bb, 'cat'], { input: 'one\ntwo\n' });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'one\ntwo\n');
  });

  test("the environment as Docker's: PATH, HOSTNAME and TERM in the process, not in Config.Env", async () => {
    const env = async (args: string[]) =>
      (await dockerOk(d, ['run', '--rm', ...NET, '-e', 'A=1', '--hostname', 'h1', ...args, bb, 'env']))
        .split(/\r?\n/)
        .filter(Boolean)
        .sort();
    const plain = await env([]);
    for (const e of ['A=1', 'HOSTNAME=h1', 'HOME=/root']) assert.ok(plain.includes(e), plain.join(' '));
    assert.ok(
      plain.some((e) => e.startsWith('PATH=/usr/local/sbin')),
      plain.join(' '),
    );
    assert.ok(!plain.some((e) => e.startsWith('TERM=')), plain.join(' '));
    assert.ok((await env(['-t'])).includes('TERM=xterm'));
    const id = (await dockerOk(d, ['create', ...NET, '-e', 'A=1', bb, 'true'])).trim();
    const cfg = JSON.parse(await dockerOk(d, ['inspect', '-f', '{{json .Config.Env}}', id]));
    assert.deepEqual(cfg, ['A=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    await dockerOk(d, ['rm', id]);
  });

  test("an unknown command is exit code 127 with Docker's message", async () => {
    const r = await docker(d, ['run', '--rm', ...NET, bb, 'no-such-command']);
    assert.equal(r.exitCode, 127);
    assert.match(r.stderr, /executable file not found in \$PATH/);
    // An empty command, which crun and runc word differently.
    const empty = await docker(d, ['run', '--rm', ...NET, bb, '']);
    assert.equal(empty.exitCode, 127, empty.stderr);
    assert.match(empty.stderr, /exec: "": executable file not found in \$PATH/);
  });

  test("--platform of another architecture is refused with Docker's message, the host's runs", async () => {
    const r = await docker(d, ['create', '--platform', 'linux/arm64', ...NET, bb, 'true']);
    assert.notEqual(r.exitCode, 0);
    assert.match(
      r.stderr,
      /was found but does not match the specified platform: wanted linux\/arm64, actual: linux\/amd64/,
    );
    assert.equal(
      (await dockerOk(d, ['run', '--rm', '--platform', 'linux/amd64', ...NET, bb, 'echo', 'ok'])).trim(),
      'ok',
    );
  });

  test("--runtime, --gpus, --storage-opt and --isolation are checked at create with Docker's messages", async () => {
    const refused = async (args: string[], message: RegExp) => {
      const r = await docker(d, ['create', ...args, ...NET, bb, 'true']);
      assert.notEqual(r.exitCode, 0, r.stderr);
      assert.match(r.stderr, message);
    };
    await refused(['--runtime', 'nope'], /unknown or invalid runtime name: nope/);
    await refused(['--gpus', 'all'], /could not select device driver "" with capabilities: \[\[gpu\]\]/);
    await refused(['--storage-opt', 'size=1G'], /--storage-opt is not supported/);
    await refused(['--isolation', 'hyperv'], /invalid isolation 'hyperv' on linux/);
    // runc is always there; the container runs under the runtime it names, shown in inspect.
    const id = (await dockerOk(d, ['create', '--runtime', 'runc', ...NET, bb, 'echo', 'runc'])).trim();
    assert.equal((await dockerOk(d, ['inspect', '-f', '{{.HostConfig.Runtime}}', id])).trim(), 'runc');
    assert.equal(await dockerOk(d, ['start', '-a', id]), 'runc\n');
    await dockerOk(d, ['rm', id]);
    const plain = (await dockerOk(d, ['create', ...NET, bb, 'true'])).trim();
    const runtime = (await dockerOk(d, ['inspect', '-f', '{{.HostConfig.Runtime}}', plain])).trim();
    assert.equal(runtime, (await dockerOk(d, ['info', '-f', '{{.DefaultRuntime}}'])).trim());
    await dockerOk(d, ['rm', plain]);
  });

  test('an unknown image is 404 No such image', async () => {
    const r = await docker(d, ['create', `${registry.host}/library/nothing:here`]);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /No such image|not found|manifest unknown/i);
  });
});

describe('detached containers', () => {
  test('-d, logs, wait and inspect', async () => {
    const id = (
      await dockerOk(d, ['run', '-d', '--name', 'det', ...NET, bb, 'sh', '-c', 'echo a; echo b >&2; exit 7'])
    ).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal((await dockerOk(d, ['wait', 'det'])).trim(), '7');
    const logs = await docker(d, ['logs', 'det']);
    assert.equal(logs.stdout, 'a\n');
    assert.equal(logs.stderr, 'b\n');
    const tail = await docker(d, ['logs', '--tail', '1', '-t', 'det']);
    assert.match(tail.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z b\n$/);
    const [info] = await dockerJson<
      Array<{
        Id: string;
        Name: string;
        State: { Status: string; ExitCode: number; Running: boolean };
        Config: { Cmd: string[] };
      }>
    >(d, ['inspect', 'det']);
    assert.equal(info?.Id, id);
    assert.equal(info?.Name, '/det');
    assert.equal(info?.State.Status, 'exited');
    assert.equal(info?.State.ExitCode, 7);
    assert.equal(info?.State.Running, false);
    assert.deepEqual(info?.Config.Cmd, ['sh', '-c', 'echo a; echo b >&2; exit 7']);
  });

  test("a taken name is 409 with Docker's message", async () => {
    const r = await docker(d, ['create', '--name', 'det', ...NET, bb, 'true']);
    assert.notEqual(r.exitCode, 0);
    assert.match(
      r.stderr,
      /Conflict\. The container name "\/det" is already in use by container "[0-9a-f]{64}"/,
    );
    await dockerOk(d, ['rm', 'det']);
  });

  test('stop, kill, rm semantics', async () => {
    await dockerOk(d, ['run', '-d', '--name', 'sl', ...NET, bb, 'sleep', '300']);
    const rm = await docker(d, ['rm', 'sl']);
    assert.match(
      rm.stderr,
      /cannot remove container "\/sl": container is running: stop the container before removing or force remove/,
    );
    const bad = await docker(d, ['kill', '-s', 'BOGUS', 'sl']);
    assert.match(bad.stderr, /Invalid signal: BOGUS/);
    // sleep as PID 1 ignores SIGTERM: stop must fall back to SIGKILL after -t.
    await dockerOk(d, ['stop', '-t', '1', 'sl']);
    assert.equal((await dockerOk(d, ['inspect', '-f', '{{.State.ExitCode}}', 'sl'])).trim(), '137');
    const kill = await docker(d, ['kill', 'sl']);
    assert.match(kill.stderr, /is not running/);
    await dockerOk(d, ['start', 'sl']);
    await dockerOk(d, ['rm', '-f', 'sl']);
    assert.equal((await docker(d, ['inspect', 'sl'])).exitCode, 1);
  });

  test('ps filters', async () => {
    await dockerOk(d, ['run', '-d', '--name', 'f-run', '--label', 'k=v', ...NET, bb, 'sleep', '300']);
    await dockerOk(d, ['run', '--name', 'f-exit', ...NET, bb, 'sh', '-c', 'exit 2']).catch(() => undefined);
    const names = async (args: string[]) =>
      (await dockerOk(d, ['ps', ...args, '--format', '{{.Names}}']))
        .trim()
        .split('\n')
        .filter(Boolean)
        .sort();
    assert.deepEqual(await names([]), ['f-run']);
    assert.deepEqual(await names(['-a', '--filter', 'status=exited']), ['f-exit']);
    assert.deepEqual(await names(['-a', '--filter', 'exited=2']), ['f-exit']);
    assert.deepEqual(await names(['-a', '--filter', 'label=k=v']), ['f-run']);
    assert.deepEqual(await names(['-a', '--filter', 'name=f-']), ['f-exit', 'f-run']);
    await dockerOk(d, ['rm', '-f', 'f-run', 'f-exit']);
  });
});

describe('engine restart', () => {
  test('running containers survive kill -9 of the engine; exits while it is down keep their code', async () => {
    await dockerOk(d, [
      'run',
      '-d',
      '--name',
      'keep',
      ...NET,
      bb,
      'sh',
      '-c',
      'i=0; while [ $i -lt 30 ]; do echo n$i; i=$((i+1)); sleep 0.1; done; sleep 300',
    ]);
    await dockerOk(d, ['run', '-d', '--name', 'gone', ...NET, bb, 'sh', '-c', 'sleep 1; exit 11']);
    // Only its config.json is written at create: no state.json stands for the initial state.
    await dockerOk(d, ['create', '--name', 'made', ...NET, bb, 'true']);
    const pid = enginePid();
    process.kill(pid, 'SIGSTOP');
    await sleep(1800);
    process.kill(pid, 'SIGKILL');
    await sleep(1000);
    assert.ok(await waitForApi(d), 'engine did not come back');
    assert.equal(
      (await dockerOk(d, ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'gone'])).trim(),
      'exited 11',
    );
    assert.equal((await dockerOk(d, ['inspect', '-f', '{{.State.Status}}', 'keep'])).trim(), 'running');
    assert.equal((await dockerOk(d, ['inspect', '-f', '{{.State.Status}}', 'made'])).trim(), 'created');
    assert.equal((await dockerOk(d, ['start', '-a', 'made'])).trim(), '');
    assert.equal(
      (await dockerOk(d, ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'made'])).trim(),
      'exited 0',
    );
    await sleep(2500);
    const logs = (await dockerOk(d, ['logs', 'keep'])).trim().split('\n');
    assert.equal(logs.length, 30);
    assert.equal(logs.at(-1), 'n29');
    // The adopted container's exit is still seen.
    await dockerOk(d, ['kill', 'keep']);
    assert.equal((await dockerOk(d, ['wait', 'keep'])).trim(), '137');
    await dockerOk(d, ['rm', '-f', 'keep', 'gone', 'made']);
  });
});
