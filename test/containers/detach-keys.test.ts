import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import {
  asUserCommand,
  type Daemon,
  docker,
  dockerOk,
  dockerode,
  sleep,
  withDaemon,
} from '../helpers/index.js';

/** Detach keys on attach and exec: through a real pty with the docker CLI, and raw with dockerode. */

let d: Daemon;
let bb: string;
const NET = ['--network', 'none'];

withDaemon({ images: ['busybox'] }, (env) => {
  d = env.daemon;
  bb = env.image('busybox');
});

async function status(name: string): Promise<string> {
  return (await dockerOk(d, ['inspect', '-f', '{{.State.Status}}', name])).trim();
}

/** Collects what a hijacked stream sends until `pattern` shows up (bounded by tries). */
async function readUntil(out: { text: string }, pattern: RegExp | string, tries = 50): Promise<void> {
  const seen = () => (typeof pattern === 'string' ? out.text.includes(pattern) : pattern.test(out.text));
  for (let i = 0; i < tries && !seen(); i++) await sleep(100);
  assert.ok(seen(), `${JSON.stringify(out.text)} lacks ${String(pattern)}`);
}

describe('detach keys', () => {
  test('docker attach in a real pty: ctrl-p ctrl-q detaches and the container keeps running', async () => {
    await dockerOk(d, ['run', '-dit', '--name', 'tty1', ...NET, bb, 'sh']);
    const cmd = asUserCommand(d.user, 'script', ['-qfec', 'docker attach tty1', '/dev/null'], d.cliEnv);
    const child = spawn(cmd.file, cmd.args, { cwd: '/', env: cmd.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = { text: '' };
    child.stdout.on('data', (b: Buffer) => {
      out.text += b.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await sleep(800);
    child.stdin.write('echo mark-$((40+2))\r');
    await readUntil(out, /mark-42/);
    // Keys arrive one by one, as typed.
    child.stdin.write('\x10');
    await sleep(200);
    child.stdin.write('\x11');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    assert.equal(await status('tty1'), 'running');
    // The shell is still usable: attach again and exit it.
    const r = await docker(d, ['exec', 'tty1', 'echo', 'alive']);
    assert.equal(r.stdout, 'alive\n');
    await dockerOk(d, ['rm', '-f', 'tty1']);
  });

  test("docker attach --detach-keys with an invalid sequence answers Docker's 400", async () => {
    await dockerOk(d, ['run', '-di', '--name', 'tty2', ...NET, bb, 'cat']);
    const r = await docker(d, ['attach', '--detach-keys', 'ctrl-foo', 'tty2'], { input: '' });
    assert.notEqual(r.exitCode, 0);
    // The CLI reports the refused upgrade as it does with Docker; the body carries Docker's message.
    assert.match(r.stderr, /received 400/);
    await assert.rejects(
      dockerode(d)
        .getContainer('tty2')
        .attach({ stream: true, stdin: true, stdout: true, hijack: true, detachKeys: 'ctrl-foo' }),
      (err: { statusCode?: number; message?: string }) =>
        err.statusCode === 400 && /Invalid detach keys \(ctrl-foo\) provided/.test(err.message ?? ''),
    );
    assert.equal(await status('tty2'), 'running');
    await dockerOk(d, ['rm', '-f', 'tty2']);
  });

  test('dockerode attach: a partial sequence passes through, the whole one ends the stream', async () => {
    await dockerOk(d, ['run', '-di', '--name', 'cat1', ...NET, bb, 'cat']);
    const api = dockerode(d);
    const c = api.getContainer('cat1');
    const stream = (await c.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
      detachKeys: 'ctrl-x,y',
    })) as unknown as Duplex;
    const out = { text: '' };
    stream.on('data', (b: Buffer) => {
      out.text += b.toString('latin1');
    });
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
    });
    stream.write('a\x18b\n');
    await readUntil(out, 'a\x18b\n');
    stream.write('before\n\x18');
    await sleep(100);
    stream.write('y');
    await ended;
    assert.match(out.text, /before\n/);
    assert.doesNotMatch(out.text, /y/);
    assert.equal(await status('cat1'), 'running');
    // The detach keys never reached cat: a new attach sees only what is sent next.
    const again = (await c.attach({
      stream: true,
      stdin: true,
      stdout: true,
      hijack: true,
    })) as unknown as Duplex;
    const out2 = { text: '' };
    again.on('data', (b: Buffer) => {
      out2.text += b.toString('latin1');
    });
    again.write('next\n');
    await readUntil(out2, /next\n/);
    assert.ok(!out2.text.includes('\x18') && !out2.text.includes('y'), out2.text);
    again.destroy();
    await dockerOk(d, ['rm', '-f', 'cat1']);
  });

  test('dockerode exec: DetachKeys end the stream and the process runs on; bad keys are a 400', async () => {
    await dockerOk(d, ['run', '-d', '--name', 'ex1', ...NET, bb, 'sleep', '300']);
    const api = dockerode(d);
    const c = api.getContainer('ex1');
    await assert.rejects(
      c.exec({ Cmd: ['cat'], AttachStdin: true, DetachKeys: 'ctrl-1' }),
      (err: { statusCode?: number; message?: string }) =>
        err.statusCode === 400 && /Invalid escape keys \(ctrl-1\) provided/.test(err.message ?? ''),
    );
    const exec = await c.exec({
      // Docker closes a non-tty exec's stdin on detach: cat ends, the shell runs on.
      Cmd: ['sh', '-c', 'cat; sleep 300'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      DetachKeys: 'ctrl-a',
    });
    const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
    const out = { text: '' };
    stream.on('data', (b: Buffer) => {
      out.text += b.toString('latin1');
    });
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
    });
    stream.write('hello\n');
    await readUntil(out, /hello\n/);
    stream.write('\x01');
    await ended;
    const info = await exec.inspect();
    assert.equal(info.Running, true);
    await dockerOk(d, ['rm', '-f', 'ex1']);
  });
});
