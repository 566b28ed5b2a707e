import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
import { type NativeChild, spawnNative } from './native-spawn.js';

const built = existsSync(new URL('../../dist/native/spawn.node', import.meta.url));

function readAll(s: Socket | undefined): Promise<string> {
  assert.ok(s, 'a pipe end');
  let text = '';
  s.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return new Promise((resolve) => s.on('close', () => resolve(text)));
}

/** Resolves once /proc no longer lists the pid (the addon's thread waited for it). */
async function reaped(pid: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (!existsSync(`/proc/${pid}`)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2];
  assert.fail(`pid ${pid} still listed (state ${state})`);
}

test('without the addon (no C compiler) the caller is told to spawn otherwise', { skip: built }, () => {
  assert.equal(spawnNative('/bin/true', [], { stdio: ['ignore'] }), undefined);
});

/** Kills the child and closes the engine's ends when the test ends, passed or not. */
function cleanup(t: TestContext, child: NativeChild): void {
  t.after(() => {
    for (const s of child.stdio) s?.destroy();
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {}
  });
}

test('data flows both ways through the pipes, and the environment is passed', { skip: !built }, async (t) => {
  const child = spawnNative(
    '/bin/sh',
    ['-c', 'read line <&4; echo "got $line $RLT_SPAWN_TEST" >&3; echo oops >&2'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], env: { RLT_SPAWN_TEST: 'env-ok' } },
  );
  assert.ok(child);
  cleanup(t, child);
  assert.ok(child.pid > 0);
  const out = readAll(child.stdio[3]);
  const err = readAll(child.stdio[2]);
  child.stdio[4]?.write('hello\n');
  assert.equal((await out).trim(), 'got hello env-ok');
  assert.equal((await err).trim(), 'oops');
  child.stdio[4]?.destroy();
  await reaped(child.pid);
});

test('ignored descriptors are /dev/null, piped ones sockets, and nothing else leaks', {
  skip: !built,
}, async (t) => {
  const child = spawnNative('/bin/sleep', ['60'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'ignore', 'pipe'],
  });
  assert.ok(child);
  cleanup(t, child);
  assert.deepEqual(
    child.stdio.map((s) => s !== undefined),
    [false, false, true, true, false, true],
  );
  // Once sleep runs (its name in /proc), its descriptors are the ones the spawn left.
  for (let i = 0; i < 500 && !readFileSync(`/proc/${child.pid}/stat`, 'utf8').includes('(sleep)'); i++)
    await new Promise((r) => setTimeout(r, 10));
  const link = (fd: number) => readlinkSync(`/proc/${child.pid}/fd/${fd}`);
  const fds = readdirSync(`/proc/${child.pid}/fd`).map(Number);
  for (const fd of [0, 1, 4]) assert.equal(link(fd), '/dev/null');
  for (const fd of [2, 3, 5]) assert.match(link(fd), /^socket:/);
  // None of the engine's sockets (the other ends of the pairs included) is inherited.
  assert.deepEqual(
    fds.filter((fd) => fd > 5 && link(fd).startsWith('socket:')),
    [],
  );
  process.kill(child.pid, 'SIGKILL');
  await reaped(child.pid);
});

test('a program that cannot be run throws with its errno', { skip: !built }, () => {
  assert.throws(
    () => spawnNative('/nonexistent/program', [], { stdio: ['ignore'] }),
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
  );
});

test('the child starts with no blocked signals and default dispositions', { skip: !built }, async (t) => {
  // Node ignores SIGPIPE; glibc's posix_spawn would leave its own signals 32 and 33 ignored.
  const child = spawnNative('/bin/sh', ['-c', 'grep -E "^Sig(Blk|Ign)" /proc/self/status >&3'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  assert.ok(child);
  cleanup(t, child);
  const text = await readAll(child.stdio[3]);
  assert.match(text, /SigBlk:\s+0+\n/);
  assert.match(text, /SigIgn:\s+0+\n/);
  await reaped(child.pid);
});
