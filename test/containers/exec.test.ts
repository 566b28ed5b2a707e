import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type Daemon, docker, dockerOk, dockerode, sleep, waitForApi, withDaemon } from '../helpers/index.js';

/** docker exec with the real CLI and dockerode, runc and conmon, as an unprivileged user. */

let d: Daemon;
let bb: string;
const NET = ['--network', 'none'];

withDaemon(
  { images: ['busybox'], teardown: () => docker(d, ['rm', '-f', 'ex', 'ex-stopped']) },
  async (env) => {
    d = env.daemon;
    bb = env.image('busybox');
    await dockerOk(d, ['run', '-d', '--name', 'ex', '-e', 'FROM_RUN=1', ...NET, bb, 'sleep', '1000']);
  },
);

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
    const empty = await docker(d, ['exec', 'ex', '']);
    assert.equal(empty.exitCode, 127, empty.stderr);
    assert.match(empty.stderr, /exec: "": executable file not found in \$PATH/);
  });

  test('-u with an unknown user fails as Docker (126) and leaves no conmon behind', async () => {
    const r = await docker(d, ['exec', '-u', 'no-such-user', 'ex', 'id']);
    assert.equal(r.exitCode, 126);
    assert.match(r.stderr, /unable to find user no-such-user/);
    // conmon was started before the spec failed (it loads meanwhile), then killed.
    const api = dockerode(d);
    const exec = await api.getContainer('ex').exec({ Cmd: ['id'], User: 'no-such-user' });
    await exec.start({ Detach: true });
    let info = await exec.inspect();
    for (let i = 0; i < 50 && info.ExitCode === null; i++) {
      await sleep(100);
      info = await exec.inspect();
    }
    assert.equal(info.ExitCode, 126);
    const withId = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(exec.id);
        } catch {
          return false;
        }
      });
    assert.deepEqual(withId, []);
    assert.equal((await docker(d, ['exec', 'ex', 'true'])).exitCode, 0);
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

  test('exec records survive kill -9 of the engine: running, finished and created (dockerode)', async () => {
    const api = dockerode(d);
    await dockerOk(d, ['run', '-d', '--name', 'ex-restart', ...NET, bb, 'sleep', '1000']);
    const c = api.getContainer('ex-restart');
    const waitEnded = async (exec: Awaited<ReturnType<typeof c.exec>>) => {
      let info = await exec.inspect();
      for (let i = 0; i < 100 && (info.Running || info.ExitCode === null); i++) {
        await sleep(100);
        info = await exec.inspect();
      }
      return info;
    };
    const waitRunning = async (exec: Awaited<ReturnType<typeof c.exec>>) => {
      let info = await exec.inspect();
      for (let i = 0; i < 50 && !info.Running; i++) {
        await sleep(100);
        info = await exec.inspect();
      }
      return info;
    };
    const finished = await c.exec({ Cmd: ['sh', '-c', 'exit 7'] });
    await finished.start({ Detach: true });
    assert.equal((await waitEnded(finished)).ExitCode, 7);
    // Ends while the engine is down (its code comes from conmon's exit file).
    const short = await c.exec({ Cmd: ['sh', '-c', 'sleep 2; exit 4'] });
    await short.start({ Detach: true });
    // Still running after the restart; its end is seen by the new engine.
    const long = await c.exec({ Cmd: ['sh', '-c', 'sleep 6; exit 3'] });
    await long.start({ Detach: true });
    const created = await c.exec({ Cmd: ['true'] });
    assert.equal((await waitRunning(short)).Running, true);
    const before = await waitRunning(long);
    assert.equal(before.Running, true);
    assert.ok(before.Pid > 0);

    const pid = d.pids().engine;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await sleep(3000);
    await waitForApi(d);

    const again = await long.inspect();
    assert.equal(again.Running, true, JSON.stringify(again));
    assert.equal(again.Pid, before.Pid);
    assert.equal(again.ExitCode, null);
    process.kill(again.Pid, 0); // the exec's process is alive
    const f = await finished.inspect();
    assert.equal(f.Running, false);
    assert.equal(f.ExitCode, 7);
    const s = await waitEnded(short);
    assert.equal(s.Running, false);
    assert.equal(s.ExitCode, 4);
    const l = await waitEnded(long);
    assert.equal(l.Running, false);
    assert.equal(l.ExitCode, 3);
    const cr = await created.inspect();
    assert.equal(cr.Running, false);
    assert.equal(cr.ExitCode, null);
    assert.deepEqual(cr.ProcessConfig.arguments, []);
    assert.equal(cr.ProcessConfig.entrypoint, 'true');

    // As Docker, exec records go with their container.
    await dockerOk(d, ['rm', '-f', 'ex-restart']);
    await assert.rejects(finished.inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
    await assert.rejects(long.inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
  });
});
