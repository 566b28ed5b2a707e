import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pushBusybox } from '../fixtures/images.js';
import { type Registry, startRegistry } from '../fixtures/registry.js';
import { type Daemon, docker, dockerOk, dockerode, sleep, startDaemon } from '../helpers/index.js';

/** docker exec with the real CLI and dockerode, runc and conmon, as an unprivileged user. */

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
  await dockerOk(d, ['run', '-d', '--name', 'ex', '-e', 'FROM_RUN=1', ...NET, bb, 'sleep', '1000']);
});
after(async () => {
  await docker(d, ['rm', '-f', 'ex', 'ex-stopped']);
  await d?.stop();
  await registry?.stop();
});

describe('docker exec', () => {
  test('prints the output of the command', async () => {
    const r = await docker(d, ['exec', 'ex', 'echo', 'hi']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
  });

  test('passes the exit code and keeps stdout and stderr apart', async () => {
    const r = await docker(d, ['exec', 'ex', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
    assert.equal(r.exitCode, 5);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  test('-i forwards stdin and closes it at its end', async () => {
    const r = await docker(d, ['exec', '-i', 'ex', 'cat'], { input: 'x\ny\n' });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'x\ny\n');
  });

  test("-e adds to the container's environment", async () => {
    const r = await docker(d, ['exec', '-e', 'FOO=bar', 'ex', 'sh', '-c', 'echo $FOO $FROM_RUN']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'bar 1\n');
  });

  test('-w sets the working directory', async () => {
    const r = await docker(d, ['exec', '-w', '/etc', 'ex', 'pwd']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, '/etc\n');
  });

  test('-u runs as another user', async () => {
    const r = await docker(d, ['exec', '-u', 'nobody', 'ex', 'id', '-un']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'nobody\n');
  });

  test('-d runs in the background', async () => {
    const r = await docker(d, ['exec', '-d', 'ex', 'sh', '-c', 'echo done > /tmp/detached']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, '');
    let seen = '';
    for (let i = 0; i < 50 && seen !== 'done\n'; i++) {
      await sleep(100);
      seen = (await docker(d, ['exec', 'ex', 'cat', '/tmp/detached'])).stdout;
    }
    assert.equal(seen, 'done\n');
  });

  test("into a stopped container fails as Docker's", async () => {
    await dockerOk(d, ['create', '--name', 'ex-stopped', ...NET, bb, 'true']);
    const r = await docker(d, ['exec', 'ex-stopped', 'true']);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /container [0-9a-f]{64} is not running/);
  });

  test('into an unknown container is 404', async () => {
    const r = await docker(d, ['exec', 'no-such-container', 'true']);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /No such container: no-such-container/);
  });

  test('exec inspect reports the exit code, pid and process config (dockerode)', async () => {
    const api = dockerode(d);
    const exec = await api.getContainer('ex').exec({
      Cmd: ['sh', '-c', 'exit 3'],
      AttachStdout: true,
      AttachStderr: true,
    });
    const before = await exec.inspect();
    assert.equal(before.Running, false);
    assert.equal(before.ExitCode, null);
    assert.deepEqual(before.ProcessConfig.arguments, ['-c', 'exit 3']);
    assert.equal(before.ProcessConfig.entrypoint, 'sh');
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.resume();
    });
    let info = await exec.inspect();
    for (let i = 0; i < 50 && info.Running; i++) {
      await sleep(100);
      info = await exec.inspect();
    }
    assert.equal(info.Running, false);
    assert.equal(info.ExitCode, 3);
    assert.ok(info.Pid > 0);
    assert.match(info.ContainerID, /^[0-9a-f]{64}$/);
  });

  test('starting an exec twice is 409', async () => {
    const api = dockerode(d);
    const exec = await api.getContainer('ex').exec({ Cmd: ['true'] });
    await exec.start({ Detach: true });
    await assert.rejects(
      exec.start({ Detach: true }),
      (err: { statusCode?: number }) => err.statusCode === 409,
    );
  });

  test('-t gives the command a terminal (raw stream)', async () => {
    const r = await docker(d, ['exec', '-t', 'ex', 'sh', '-c', 'test -t 1 && echo tty']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'tty\r\n');
  });

  test("an unknown command is exit code 127 with runc's message", async () => {
    const r = await docker(d, ['exec', 'ex', 'no-such-command']);
    assert.equal(r.exitCode, 127);
    assert.match(r.stderr, /executable file not found in \$PATH/);
  });

  test('resize reaches the pty of a tty exec (dockerode)', async () => {
    const api = dockerode(d);
    const exec = await api.getContainer('ex').exec({
      Cmd: ['sh', '-c', 'read x; stty size'],
      Tty: true,
      AttachStdin: true,
      AttachStdout: true,
    });
    const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
    let out = '';
    stream.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
    });
    for (let i = 0; i < 50 && !(await exec.inspect()).Running; i++) await sleep(50);
    await exec.resize({ h: 31, w: 101 });
    stream.write('go\n');
    await ended;
    assert.match(out, /31 101/);
  });

  test('exec_create, exec_start and exec_die events', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await dockerOk(d, ['exec', 'ex', 'sh', '-c', 'exit 4']).catch(() => undefined);
    const until = Math.floor(Date.now() / 1000) + 1;
    const out = await dockerOk(d, [
      'events',
      '--since',
      String(since),
      '--until',
      String(until),
      '--format',
      '{{.Action}} {{index .Actor.Attributes "exitCode"}}',
    ]);
    assert.match(out, /exec_create: sh -c exit 4/);
    assert.match(out, /exec_start: sh -c exit 4/);
    assert.match(out, /exec_die 4/);
  });
});
