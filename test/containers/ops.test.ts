import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Daemon, docker, dockerOk, dockerode, sleep, until, withDaemon } from '../helpers/index.js';

/** Restart policies, prune, top and stats with the real docker CLI, as an unprivileged user. */

let d: Daemon;
let bb: string;
const NET = ['--network', 'none'];

withDaemon({ images: ['busybox'] }, (env) => {
  d = env.daemon;
  bb = env.image('busybox');
});

async function state(name: string): Promise<string> {
  return (await dockerOk(d, ['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', name])).trim();
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
    await until(async () => (await state('of2')) === 'exited 2', 'two restarts', { tries: 100 });
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
      { tries: 100 },
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
      { tries: 150 },
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

  test('stats from /proc count the CPU of reaped children and the block I/O (dockerode)', async (t) => {
    // Short-lived children burn the CPU, then only an idle shell is left: a cgroup would
    // still count their time, and so must the /proc figures.
    await dockerOk(d, [
      'run',
      '-d',
      '--name',
      'kids',
      ...NET,
      bb,
      'sh',
      '-c',
      `dd if=/dev/zero of=/big bs=1M count=8 conv=fsync 2>/dev/null; for n in 1 2 3; do sh -c 'i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done'; done; touch /done; sleep 300`,
    ]);
    for (let i = 0; i < 120; i++) {
      if ((await docker(d, ['exec', 'kids', 'test', '-f', '/done'])).exitCode === 0) break;
      await sleep(500);
    }
    const s = (await dockerode(d).getContainer('kids').stats({ stream: false })) as unknown as {
      cpu_stats: { cpu_usage: { total_usage: number } };
      pids_stats: { current: number };
      blkio_stats: { io_service_bytes_recursive: Array<{ op: string; value: number }> | null };
    };
    t.diagnostic(`total_usage ${s.cpu_stats.cpu_usage.total_usage} ns; io ${JSON.stringify(s.blkio_stats)}`);
    assert.ok(s.pids_stats.current >= 1);
    assert.ok(s.cpu_stats.cpu_usage.total_usage > 100_000_000, JSON.stringify(s.cpu_stats));
    const io = s.blkio_stats.io_service_bytes_recursive ?? [];
    const write = io.find((e) => e.op.toLowerCase() === 'write');
    assert.ok(write && write.value >= 8 * 1024 * 1024, JSON.stringify(io));
    await dockerOk(d, ['rm', '-f', 'kids']);
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

describe('system prune', () => {
  // Last in the file: it removes the image the other tests use.
  test('-af --volumes removes stopped containers, unused networks, volumes and images, and ends with the build cache', async () => {
    // As Docker 23+: anonymous volumes are pruned, named ones stay.
    await dockerOk(d, ['run', '--name', 'sp-done', '-v', 'sp-vol:/v', '-v', '/anon', ...NET, bb, 'true']);
    const anon = (
      await dockerOk(d, [
        'inspect',
        '-f',
        '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Name}}{{end}}{{end}}',
        'sp-done',
      ])
    ).trim();
    await dockerOk(d, ['network', 'create', 'sp-net']);
    await dockerOk(d, ['rm', 'sp-done']);
    await dockerOk(d, ['run', '--name', 'sp-done2', ...NET, bb, 'true']);
    const out = await dockerOk(d, ['system', 'prune', '-af', '--volumes']);
    assert.match(out, /Deleted Containers:/);
    assert.match(out, /Deleted Networks:\nsp-net/);
    assert.match(out, new RegExp(`Deleted Volumes:\n${anon}\n`));
    assert.match(out, /Deleted Images:/);
    assert.match(out, /Total reclaimed space: /);
    assert.equal((await dockerOk(d, ['ps', '-aq'])).trim(), '');
    assert.equal((await dockerOk(d, ['images', '-q'])).trim(), '');
    assert.equal((await dockerOk(d, ['volume', 'ls', '-q'])).trim(), 'sp-vol');
    await dockerOk(d, ['volume', 'rm', 'sp-vol']);
    const r = await docker(d, ['builder', 'prune', '-f', '--filter', 'until=24h']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /Total reclaimed space: 0B/);
  });
});
