import assert from 'node:assert/strict';
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type Daemon,
  docker,
  dockerJson,
  dockerOk,
  makeUserDir,
  until,
  withDaemon,
} from '../helpers/index.js';

/** Volumes and mounts with the real docker CLI, runc and conmon, as an unprivileged user. */

let d: Daemon;
let bb: string;
const NET = ['--network', 'none'];

interface VolumeJson {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Scope: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  CreatedAt: string;
}

withDaemon({ images: ['busybox'] }, (env) => {
  d = env.daemon;
  bb = env.image('busybox');
});

async function volumeNames(args: string[] = []): Promise<string[]> {
  return (await dockerOk(d, ['volume', 'ls', '-q', ...args])).split('\n').filter(Boolean);
}

describe('docker volume', () => {
  test('create, ls with filters, inspect, rm', async () => {
    assert.equal((await dockerOk(d, ['volume', 'create', '--label', 'team=a', 'v1'])).trim(), 'v1');
    await dockerOk(d, ['volume', 'create', 'v2']);
    // Creating an existing name returns it.
    assert.equal((await dockerOk(d, ['volume', 'create', 'v1'])).trim(), 'v1');
    const [v] = await dockerJson<VolumeJson[]>(d, ['volume', 'inspect', 'v1']);
    assert.equal(v?.Name, 'v1');
    assert.equal(v?.Driver, 'local');
    assert.equal(v?.Scope, 'local');
    assert.deepEqual(v?.Labels, { team: 'a' });
    assert.match(v?.Mountpoint ?? '', /\/volumes\/v1\/_data$/);
    assert.match(v?.CreatedAt ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(await volumeNames(['--filter', 'label=team=a']), ['v1']);
    assert.deepEqual((await volumeNames(['--filter', 'name=v'])).sort(), ['v1', 'v2']);
    assert.ok((await volumeNames(['--filter', 'dangling=true'])).includes('v2'));
    await dockerOk(d, ['volume', 'rm', 'v1', 'v2']);
    const r = await docker(d, ['volume', 'inspect', 'v1']);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /no such volume/);
  });

  test('generated names, tmpfs options, and unsupported options', async () => {
    const name = (await dockerOk(d, ['volume', 'create'])).trim();
    assert.match(name, /^[0-9a-f]{64}$/);
    await dockerOk(d, ['volume', 'rm', name]);
    await dockerOk(d, ['volume', 'create', '-d', 'local', '-o', 'type=tmpfs', '-o', 'o=size=1m', 'tv']);
    const out = await dockerOk(d, [
      'run',
      '--rm',
      ...NET,
      '-v',
      'tv:/t',
      bb,
      'sh',
      '-c',
      'grep " /t " /proc/mounts',
    ]);
    assert.match(out, /tmpfs/);
    await dockerOk(d, ['volume', 'rm', 'tv']);
    const bad = await docker(d, ['volume', 'create', '-o', 'type=nfs', '-o', 'device=:/x', 'nv']);
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr, /not supported/);
  });

  test('-v vol:/data persists across containers; rm while in use is a 409', async () => {
    await dockerOk(d, [
      'run',
      '--name',
      'writer',
      ...NET,
      '-v',
      'keep:/data',
      bb,
      'sh',
      '-c',
      'echo kept > /data/f',
    ]);
    const out = await dockerOk(d, ['run', '--rm', ...NET, '-v', 'keep:/data:ro', bb, 'cat', '/data/f']);
    assert.equal(out, 'kept\n');
    const r = await docker(d, ['volume', 'rm', 'keep']);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /remove keep: volume is in use - \[[0-9a-f]{64}\]/);
    const [c] = await dockerJson<Array<{ Mounts: Array<Record<string, unknown>> }>>(d, ['inspect', 'writer']);
    assert.equal(c?.Mounts.length, 1);
    assert.equal(c?.Mounts[0]?.Type, 'volume');
    assert.equal(c?.Mounts[0]?.Name, 'keep');
    assert.equal(c?.Mounts[0]?.Destination, '/data');
    assert.equal(c?.Mounts[0]?.RW, true);
    await dockerOk(d, ['rm', 'writer']);
    await dockerOk(d, ['volume', 'rm', 'keep']);
  });

  test('a new volume is filled from the image content, unless nocopy', async () => {
    const first = await dockerOk(d, ['run', '--rm', ...NET, '-v', 'cu:/etc', bb, 'ls', '/etc']);
    assert.match(first, /passwd/);
    const again = await dockerOk(d, ['run', '--rm', ...NET, '-v', 'cu:/data', bb, 'ls', '/data']);
    assert.match(again, /passwd/);
    const empty = await dockerOk(d, [
      'run',
      '--rm',
      ...NET,
      '--mount',
      'type=volume,source=nc,target=/etc,volume-nocopy',
      bb,
      'ls',
      '/etc',
    ]);
    assert.doesNotMatch(empty, /passwd/);
    await dockerOk(d, ['volume', 'rm', 'cu', 'nc']);
  });

  test('anonymous volumes: rm -v removes them; prune takes anonymous only unless --all', async () => {
    await dockerOk(d, ['create', '--name', 'anon1', ...NET, '-v', '/scratch', bb, 'true']);
    const [c] = await dockerJson<Array<{ Mounts: Array<{ Name: string }> }>>(d, ['inspect', 'anon1']);
    const anon1 = c?.Mounts[0]?.Name ?? '';
    assert.match(anon1, /^[0-9a-f]{64}$/);
    await dockerOk(d, ['rm', '-v', 'anon1']);
    assert.ok(!(await volumeNames()).includes(anon1));

    await dockerOk(d, ['create', '--name', 'anon2', ...NET, '-v', '/scratch', bb, 'true']);
    const [c2] = await dockerJson<Array<{ Mounts: Array<{ Name: string }> }>>(d, ['inspect', 'anon2']);
    const anon2 = c2?.Mounts[0]?.Name ?? '';
    await dockerOk(d, ['rm', 'anon2']);
    await dockerOk(d, ['volume', 'create', 'named1']);
    const pruned = await dockerOk(d, ['volume', 'prune', '-f']);
    assert.match(pruned, new RegExp(anon2));
    const left = await volumeNames();
    assert.ok(!left.includes(anon2));
    assert.ok(left.includes('named1'));
    await dockerOk(d, ['volume', 'prune', '-af']);
    assert.ok(!(await volumeNames()).includes('named1'));
  });

  test('run --rm removes its anonymous volumes and keeps named ones', async () => {
    const before = await volumeNames();
    await dockerOk(d, ['run', '--rm', ...NET, '-v', '/anon', '-v', 'kept:/named', bb, 'true']);
    const after = await volumeNames();
    assert.ok(after.includes('kept'));
    assert.deepEqual(
      after.filter((v) => !before.includes(v) && v !== 'kept'),
      [],
      'no anonymous volume is left behind',
    );
    await dockerOk(d, ['volume', 'rm', 'kept']);
  });

  test('--volumes-from shares the mounts, :ro makes them read-only, -v replaces one; unknown source is a 400', async () => {
    await dockerOk(d, [
      'run',
      '-d',
      '--name',
      'vsrc',
      ...NET,
      '-v',
      '/anon',
      '-v',
      'vnamed:/n',
      bb,
      'sh',
      '-c',
      'echo a > /anon/f; echo n > /n/f; sleep 60',
    ]);
    await until(
      async () => (await docker(d, ['exec', 'vsrc', 'test', '-e', '/n/f'])).exitCode === 0,
      'the source to write',
    );
    assert.equal(
      await dockerOk(d, ['run', '--rm', ...NET, '--volumes-from', 'vsrc', bb, 'cat', '/anon/f', '/n/f']),
      'a\nn\n',
    );
    const ro = await docker(d, [
      'run',
      '--rm',
      ...NET,
      '--volumes-from',
      'vsrc:ro',
      bb,
      'sh',
      '-c',
      'echo x > /n/g',
    ]);
    assert.notEqual(ro.exitCode, 0);
    assert.match(ro.stderr, /Read-only file system/);
    // A -v at the same place wins over the inherited mount.
    assert.equal(
      await dockerOk(d, ['run', '--rm', ...NET, '--volumes-from', 'vsrc', '-v', 'vother:/n', bb, 'ls', '/n']),
      '',
    );
    // The inheriting container holds the volume: removing it is refused while it exists.
    await dockerOk(d, ['create', '--name', 'vuser', ...NET, '--volumes-from', 'vsrc', bb, 'true']);
    const mounts = JSON.parse(await dockerOk(d, ['inspect', '-f', '{{json .Mounts}}', 'vuser'])) as Array<{
      Name: string;
      Destination: string;
      RW: boolean;
    }>;
    assert.deepEqual(mounts.map((m) => m.Destination).sort(), ['/anon', '/n']);
    assert.equal(
      (await dockerOk(d, ['inspect', '-f', '{{json .HostConfig.VolumesFrom}}', 'vuser'])).trim(),
      '["vsrc"]',
    );
    await dockerOk(d, ['rm', '-f', 'vsrc']);
    assert.match((await docker(d, ['volume', 'rm', 'vnamed'])).stderr, /volume is in use/);
    await dockerOk(d, ['rm', 'vuser']);
    await dockerOk(d, ['volume', 'rm', 'vnamed', 'vother']);
    const bad = await docker(d, ['run', '--rm', ...NET, '--volumes-from', 'nope', bb, 'true']);
    assert.equal(bad.exitCode, 125);
    assert.match(bad.stderr, /No such container: nope/);
    assert.doesNotMatch(bad.stderr, /Unable to find image/);
  });
});

describe('volume events and disk usage', () => {
  test('create, mount, unmount, destroy events; system df lists the volume', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    await dockerOk(d, ['run', '--rm', ...NET, '-v', 'evv:/data', bb, 'sh', '-c', 'echo 12345 > /data/f']);
    const df = await dockerOk(d, ['system', 'df', '-v', '--format', '{{json .Volumes}}']);
    assert.match(df, /"Name":"evv"/);
    await dockerOk(d, ['volume', 'rm', 'evv']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const out = await dockerOk(d, [
      'events',
      '--since',
      since,
      '--until',
      until,
      '--filter',
      'type=volume',
      '--format',
      '{{.Action}} {{.Actor.ID}}',
    ]);
    const actions = out
      .split('\n')
      .filter((l) => l.endsWith(' evv'))
      .map((l) => l.split(' ')[0]);
    assert.deepEqual(actions, ['create', 'mount', 'unmount', 'destroy']);
  });
});

describe('mounts', () => {
  test('--mount type=bind with a missing source is an error', async () => {
    const r = await docker(d, [
      'run',
      '--rm',
      ...NET,
      '--mount',
      'type=bind,source=/nonexistent-x,target=/x',
      bb,
      'true',
    ]);
    assert.notEqual(r.exitCode, 0);
    assert.match(
      r.stderr,
      /invalid mount config for type "bind": bind source path does not exist: \/nonexistent-x/,
    );
  });

  test('--mount type=tmpfs with size and mode', async () => {
    const out = await dockerOk(d, [
      'run',
      '--rm',
      ...NET,
      '--mount',
      'type=tmpfs,target=/t,tmpfs-size=1048576,tmpfs-mode=1770',
      bb,
      'sh',
      '-c',
      'grep " /t " /proc/mounts; stat -c %a /t',
    ]);
    assert.match(out, /tmpfs \/t tmpfs .*size=1024k/);
    assert.match(out, /1770/);
  });

  test('-v /hostdir:/x:ro is read-only; -v /missing:/y creates the host folder', async () => {
    const host = makeUserDir(d.user, d.base, 'host-');
    writeFileSync(join(host, 'hello'), 'from host\n');
    if (d.user.viaRunuser) chownSync(join(host, 'hello'), d.user.uid, d.user.gid);
    const out = await dockerOk(d, ['run', '--rm', ...NET, '-v', `${host}:/x:ro`, bb, 'cat', '/x/hello']);
    assert.equal(out, 'from host\n');
    const w = await docker(d, ['run', '--rm', ...NET, '-v', `${host}:/x:ro`, bb, 'touch', '/x/new']);
    assert.notEqual(w.exitCode, 0);
    assert.match(w.stderr, /Read-only file system/);
    const created = join(host, 'made', 'here');
    await dockerOk(d, ['run', '--rm', ...NET, '-v', `${created}:/y`, bb, 'sh', '-c', 'echo hi > /y/f']);
    const back = await dockerOk(d, ['run', '--rm', ...NET, '-v', `${created}:/y`, bb, 'cat', '/y/f']);
    assert.equal(back, 'hi\n');
  });
});
