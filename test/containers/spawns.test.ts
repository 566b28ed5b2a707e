import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  crunOnly,
  type Daemon,
  dockerOk,
  REPO_ROOT,
  runChecked,
  sleep,
  withDaemon,
} from '../helpers/index.js';

/**
 * The programs a container run spawns (issue 5: each costs about 10 ms). With the native addons
 * built (scripts/build-native.mjs), the rootfs is mounted and unmounted and the veth pair plugged
 * and unplugged by system calls: no mount, umount, nsenter or ip per container; only conmon (which
 * runs the runtime's create) and the runtime's start and delete remain. With crun, its start, kill
 * and delete are done on its state folder (src/drivers/crun-state.ts): conmon alone is spawned.
 */

let d: Daemon;
let bb: string;
const CRUN_ONLY = crunOnly();
const ADDONS = ['mounts', 'veth'].every((a) => existsSync(join(REPO_ROOT, 'dist', 'native', `${a}.node`)));

withDaemon({ images: ['busybox'], daemon: { daemonJson: { 'log-level': 'debug' } } }, async (env) => {
  d = env.daemon;
  bb = env.image('busybox');
  // The first bridge run sets up the bridge and its rules (programs run once, not per container).
  await dockerOk(d, ['run', '--rm', bb, 'true']);
});

const logSize = () => statSync(join(d.base, 'daemon.log')).size;

/** Programs the engine ran or spawned (debug `run`/`spawn` lines) in its log since `from`. */
function programsSince(from: number): string[] {
  return commandsSince(from).map((cmd) => cmd.split(' ')[0] ?? '');
}

/** The command lines behind programsSince. */
function commandsSince(from: number): string[] {
  const out: string[] = [];
  for (const line of readFileSync(join(d.base, 'daemon.log')).subarray(from).toString().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as { msg?: string; cmd?: string };
      if ((o.msg === 'run' || o.msg === 'spawn') && o.cmd) out.push(o.cmd);
    } catch {}
  }
  return out;
}

/** Waits until the log stops growing: the clean-up after a container runs off the client's path. */
async function settled(): Promise<void> {
  let last = -1;
  while (logSize() !== last) {
    last = logSize();
    await sleep(500);
  }
}

describe('programs spawned per container', () => {
  test('the native addons were built (npm run build, with a C compiler)', () => {
    assert.ok(ADDONS, 'dist/native/mounts.node or veth.node is missing');
  });

  for (const net of ['none', 'bridge']) {
    test(`run --rm --network ${net}: conmon and the runtime only`, async () => {
      await settled();
      const from = logSize();
      await dockerOk(d, ['run', '--rm', '--network', net, bb, 'true']);
      await settled();
      const programs = programsSince(from).map((p) => p.replace(/^.*\//, ''));
      assert.ok(programs.includes('conmon'), programs.join(' '));
      for (const p of ['mount', 'umount', 'nsenter', 'ip', 'fuse-overlayfs'])
        assert.ok(!programs.includes(p), `${p} was run: ${programs.join(' ')}`);
      assert.ok(programs.length <= 3, programs.join(' '));
    });
  }

  test('crun: run --rm spawns conmon alone; stop and kill spawn nothing', { skip: CRUN_ONLY }, async () => {
    await settled();
    let from = logSize();
    assert.equal(await dockerOk(d, ['run', '--rm', '--network', 'none', bb, 'echo', 'ran']), 'ran\n');
    await settled();
    assert.deepEqual(
      programsSince(from).map((p) => p.replace(/^.*\//, '')),
      ['conmon'],
    );

    // kill: the signal reaches the container's process (its trap's exit code), and stop's SIGKILL
    // after the timeout ends one that ignores SIGTERM (pid 1 without a handler).
    const trap = (
      await dockerOk(d, [
        'run',
        '-d',
        '--network',
        'none',
        bb,
        'sh',
        '-c',
        'trap "exit 7" USR1; while :; do sleep 0.1; done',
      ])
    ).trim();
    const stubborn = (await dockerOk(d, ['run', '-d', '--network', 'none', bb, 'sleep', '600'])).trim();
    await settled();
    from = logSize();
    await dockerOk(d, ['kill', '-s', 'USR1', trap]);
    assert.equal((await dockerOk(d, ['wait', trap])).trim(), '7');
    await dockerOk(d, ['stop', '-t', '1', stubborn]);
    assert.equal((await dockerOk(d, ['inspect', '-f', '{{.State.ExitCode}}', stubborn])).trim(), '137');
    await dockerOk(d, ['start', stubborn]);
    assert.equal((await dockerOk(d, ['inspect', '-f', '{{.State.Running}}', stubborn])).trim(), 'true');
    await dockerOk(d, ['rm', '-f', trap, stubborn]);
    await settled();
    assert.deepEqual(
      programsSince(from).map((p) => p.replace(/^.*\//, '')),
      ['conmon'],
      'only the restart of the stopped container spawns (its conmon)',
    );
  });

  test('run on an IPv6 network: IPv6 address and default route plugged natively, no ip run', async () => {
    await dockerOk(d, ['network', 'create', '--ipv6', '--subnet', 'fd00:5:6::/64', 'six']);
    // The first run on the network sets up its bridge and rules (once per network).
    await dockerOk(d, ['run', '--rm', '--network', 'six', bb, 'true']);
    await settled();
    const from = logSize();
    const r = await dockerOk(d, [
      'run',
      '--rm',
      '--network',
      'six',
      bb,
      'sh',
      '-c',
      'ip -6 addr show dev eth0; ip -6 route; ip -4 route',
    ]);
    await settled();
    assert.match(r, /inet6 fd00:5:6::\d+\/64 scope global/);
    assert.doesNotMatch(r.split('\n').find((l) => l.includes('fd00:5:6::')) ?? '', /tentative/);
    assert.match(r, /default via fd00:5:6::1 dev eth0/);
    assert.match(r, /default via \d+\.\d+\.\d+\.1 dev eth0/);
    const programs = programsSince(from).map((p) => p.replace(/^.*\//, ''));
    assert.ok(programs.includes('conmon'), programs.join(' '));
    for (const p of ['ip', 'nsenter', 'mount', 'umount'])
      assert.ok(!programs.includes(p), `${p} was run: ${programs.join(' ')}`);
    assert.ok(programs.length <= 3, programs.join(' '));
    await dockerOk(d, ['network', 'rm', 'six']);
  });

  test('rm -f of a running container: the runtime deletes it once, and its layer is gone', async () => {
    const id = (await dockerOk(d, ['run', '-d', bb, 'sleep', '600'])).trim();
    await settled();
    const from = logSize();
    await dockerOk(d, ['rm', '-f', id]);
    await settled();
    const runtime = commandsSince(from).filter((cmd) => /\/(crun|runc) /.test(cmd));
    // crun's kill and delete are done on its state folder (no program); runc is spawned.
    assert.deepEqual(
      runtime.map((cmd) => cmd.split(' ').find((w) => w === 'kill' || w === 'delete')),
      CRUN_ONLY ? ['kill', 'delete'] : [],
      runtime.join('\n'),
    );
    const log = readFileSync(join(d.base, 'daemon.log')).subarray(from).toString();
    // The exit path's clean-up and the removal's used to run the runtime's delete each.
    assert.equal(log.match(/"step":"runc-delete"/g)?.length, 1, log);
    assert.match(log, /"step":"snapshot-remove"/);
    assert.doesNotMatch(log, /snapshot removal failed/);
    assert.equal((await dockerOk(d, ['ps', '-aq', '--filter', `id=${id}`])).trim(), '');
  });

  test('the veth is plugged (address, default route) and gone after the run', async () => {
    const r = await dockerOk(d, [
      'run',
      '--rm',
      bb,
      'sh',
      '-c',
      'busybox ip -4 addr show eth0; busybox ip route',
    ]);
    assert.match(r, /inet 172\.17\.\d+\.\d+\/16/);
    assert.match(r, /default via 172\.17\.0\.1 dev eth0/);
    const holder = d.pids().holder;
    assert.ok(holder, 'holder pid');
    const links = await runChecked('nsenter', [`--net=/proc/${holder}/ns/net`, 'ip', '-o', 'link']);
    assert.doesNotMatch(links, /veth/, links);
  });

  test('exec: conmon only, and it ran the command', async () => {
    await dockerOk(d, ['run', '-d', '--name', 'spawns-exec', '--network', 'none', bb, 'sleep', '600']);
    await settled();
    const from = logSize();
    assert.equal((await dockerOk(d, ['exec', 'spawns-exec', 'echo', 'hi'])).trim(), 'hi');
    // Detached: conmon is released without an attach socket.
    await dockerOk(d, ['exec', '-d', 'spawns-exec', 'touch', '/tmp/detached']);
    await settled();
    assert.deepEqual(
      programsSince(from).map((p) => p.replace(/^.*\//, '')),
      ['conmon', 'conmon'],
    );
    await dockerOk(d, ['exec', 'spawns-exec', 'test', '-e', '/tmp/detached']);
    await dockerOk(d, ['rm', '-f', 'spawns-exec']);
  });
});
