import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import {
  commandLineOf,
  type Daemon,
  dockerSpawn,
  isAlive,
  pings,
  poll,
  processUids,
  removeDaemonEnv,
  runRootlessd,
  sleep,
  withDaemon,
  within,
} from '../helpers/index.js';

/** The launcher's process model, seen from the host: owners, supervision, single instance, stop. */

let d: Daemon;
withDaemon({}, (env) => {
  d = env.daemon;
});

function describeProcesses(pids: number[]): string {
  return pids.map((p) => `${p} uid=${processUids(p)?.join(',')} ${commandLineOf(p)}`).join('\n');
}

test('the socket is 0600 in a 0700 folder, both owned by the user', () => {
  const sock = statSync(d.socket);
  assert.ok(sock.isSocket(), `${d.socket} is not a socket`);
  assert.equal((sock.mode & 0o777).toString(8), '600');
  assert.equal(sock.uid, d.user.uid);
  const dir = statSync(dirname(d.socket));
  assert.equal((dir.mode & 0o777).toString(8), '700');
  assert.equal(dir.uid, d.user.uid);
});

test('every daemon process runs under the user own uid on the host', () => {
  const pids = d.pids();
  assert.equal(pids.launcher, d.launcherPid, 'the launcher pid file names the launcher');
  for (const name of ['holder', 'engine', 'slirp'] as const) {
    const pid = pids[name];
    assert.ok(pid && isAlive(pid), `${name} pid file missing or dead: ${pid}`);
  }
  const all = d.processes();
  assert.ok(all.length >= 4, `expected launcher, holder, slirp4netns and engine:\n${describeProcesses(all)}`);
  const main = [d.launcherPid, pids.holder!, pids.engine!, pids.slirp!];
  for (const pid of [...main, ...all]) {
    const uids = processUids(pid);
    // A short-lived child (a program the engine runs at start) may end between the listing and
    // this read; the four long-lived processes may not.
    if (!uids && !main.includes(pid)) continue;
    assert.ok(uids, `process ${pid} vanished`);
    assert.deepEqual(
      uids,
      [d.user.uid, d.user.uid, d.user.uid, d.user.uid],
      `process ${pid} (${commandLineOf(pid)}) runs as ${uids}`,
    );
  }
  assert.match(commandLineOf(pids.slirp!), /slirp4netns/);
});

test('after kill -9 of the engine the socket answers again within 2 s, the holder untouched', async () => {
  const before = d.pids();
  const engine = before.engine!;
  const holder = before.holder!;
  assert.ok(engine && holder, 'engine and holder pid files');
  const started = Date.now();
  process.kill(engine, 'SIGKILL');
  let answeredAfter = -1;
  while (Date.now() - started < 10_000) {
    if (!isAlive(engine) && (await pings(d.socket, 500))) {
      answeredAfter = Date.now() - started;
      break;
    }
    await sleep(20);
  }
  assert.ok(answeredAfter >= 0, `the socket did not answer within 10 s; output:\n${d.output().slice(-4000)}`);
  assert.ok(answeredAfter <= 2000, `the socket answered again after ${answeredAfter} ms (limit 2000)`);
  assert.ok(isAlive(holder), 'the holder died with the engine');
  await poll(() => d.pids().engine !== engine);
  const after = d.pids();
  assert.notEqual(after.engine, engine, 'the engine pid file still names the dead engine');
  assert.equal(after.holder, holder, 'a new holder was made');
  assert.ok(isAlive(d.launcherPid), 'the launcher died');
});

test('a second launcher on the same socket exits non-zero and names the holding pid', async () => {
  const r = await runRootlessd(d, [], { timeoutMs: 60_000 });
  const text = `${r.stdout}\n${r.stderr}`;
  assert.notEqual(r.exitCode, 0, `the second launcher started:\n${text}`);
  const pids = [d.launcherPid, d.pids().engine].filter(Boolean).map(String);
  assert.ok(
    pids.some((p) => new RegExp(`\\b${p}\\b`).test(text)),
    `the message names none of ${pids.join(', ')}:\n${text}`,
  );
  assert.ok(await pings(d.socket), 'the first daemon stopped answering');
});

test('SIGHUP to the launcher streams a daemon reload event', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  const events = dockerSpawn(d, ['events', '--since', String(since), '--format', '{{json .}}']);
  let out = '';
  let err = '';
  events.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const found = new Promise<Record<string, unknown>>((resolve) => {
    events.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      for (const line of out.split('\n')) {
        if (!line.trim()) continue;
        try {
          const e = JSON.parse(line) as Record<string, unknown>;
          if (e.Type === 'daemon' && e.Action === 'reload') resolve(e);
        } catch {}
      }
    });
  });
  try {
    await sleep(500); // the CLI connects; `since` covers a slow start too
    process.kill(d.launcherPid, 'SIGHUP');
    const event = await within(found, 10_000);
    assert.ok(event, `no daemon reload event within 10 s; events:\n${out}\nstderr: ${err}`);
    assert.ok(await pings(d.socket), 'the daemon stopped answering after SIGHUP');
  } finally {
    events.kill('SIGKILL');
  }
});

test('SIGTERM stops cleanly: exit 0, no process left, the socket removed', async () => {
  const result = await d.stop({ keepDirs: true });
  try {
    assert.equal(
      result.timedOut,
      false,
      `the launcher ignored SIGTERM for 20 s; output:\n${d.output().slice(-4000)}`,
    );
    assert.equal(
      result.exitCode,
      0,
      `exit ${result.exitCode} signal ${result.signal}; output:\n${d.output().slice(-4000)}`,
    );
    assert.deepEqual(result.leftovers, [], 'processes left behind');
    assert.equal(existsSync(d.socket), false, 'the socket file is still there');
  } finally {
    await removeDaemonEnv(d);
  }
});
