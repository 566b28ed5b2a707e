import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Daemon, docker, dockerOk, dockerode, sleep, waitForApi, withDaemon } from '../helpers/index.js';

/** Health checks with the real docker CLI and dockerode: probes run as execs under conmon. */

let d: Daemon;
let bb: string;
const NET = ['--network', 'none'];

interface Health {
  Status: string;
  FailingStreak: number;
  Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
}

withDaemon({ images: ['busybox'] }, (env) => {
  d = env.daemon;
  bb = env.image('busybox');
});

async function health(name: string): Promise<Health | null> {
  return JSON.parse(await dockerOk(d, ['inspect', '-f', '{{json .State.Health}}', name])) as Health | null;
}

/** Polls until `check` holds (the probes run every second; bounded by a count, not a clock assertion). */
async function until(name: string, check: (h: Health | null) => boolean, tries = 60): Promise<Health | null> {
  let h: Health | null = null;
  for (let i = 0; i < tries; i++) {
    h = await health(name);
    if (check(h)) return h;
    await sleep(500);
  }
  assert.fail(`health of ${name} never matched: ${JSON.stringify(h)}`);
}

async function psNames(filter: string): Promise<string[]> {
  const out = await dockerOk(d, ['ps', '--filter', filter, '--format', '{{.Names}}']);
  return out.split('\n').filter(Boolean);
}

describe('health checks', () => {
  test('starting → unhealthy → healthy as the file appears; ps, filters and events follow', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await dockerOk(d, [
      'run',
      '-d',
      '--name',
      'hc',
      ...NET,
      '--health-cmd',
      'echo probing; test -f /tmp/ok',
      '--health-interval',
      '1s',
      '--health-retries',
      '2',
      bb,
      'sleep',
      '300',
    ]);
    const first = await health('hc');
    assert.equal(first?.Status, 'starting');
    assert.match(
      await dockerOk(d, ['ps', '--filter', 'name=hc', '--format', '{{.Status}}']),
      /\(health: starting\)/,
    );

    const bad = await until('hc', (h) => h?.Status === 'unhealthy');
    assert.ok((bad?.FailingStreak ?? 0) >= 2);
    assert.equal(bad?.Log.at(-1)?.ExitCode, 1);
    assert.equal(bad?.Log.at(-1)?.Output, 'probing\n');
    assert.match(
      await dockerOk(d, ['ps', '--filter', 'name=hc', '--format', '{{.Status}}']),
      /\(unhealthy\)/,
    );
    assert.deepEqual(await psNames('health=unhealthy'), ['hc']);
    assert.deepEqual(await psNames('health=healthy'), []);

    await dockerOk(d, ['exec', 'hc', 'touch', '/tmp/ok']);
    const good = await until('hc', (h) => h?.Status === 'healthy');
    assert.equal(good?.FailingStreak, 0);
    assert.equal(good?.Log.at(-1)?.ExitCode, 0);
    assert.ok((good?.Log.length ?? 0) <= 5);
    assert.match(await dockerOk(d, ['ps', '--filter', 'name=hc', '--format', '{{.Status}}']), /\(healthy\)/);
    assert.deepEqual(await psNames('health=healthy'), ['hc']);

    const events = await dockerOk(d, [
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.floor(Date.now() / 1000) + 1),
      '--filter',
      'container=hc',
      '--format',
      '{{.Action}}',
    ]);
    const changes = events.split('\n').filter((l) => l.startsWith('health_status'));
    assert.deepEqual(changes, ['health_status: unhealthy', 'health_status: healthy']);
  });

  test('a container without a health check matches health=none and has no State.Health', async () => {
    await dockerOk(d, ['run', '-d', '--name', 'plain', ...NET, bb, 'sleep', '300']);
    assert.equal(await health('plain'), null);
    assert.ok((await psNames('health=none')).includes('plain'));
    assert.ok(!(await psNames('health=none')).includes('hc'));
    const r = await docker(d, ['ps', '--filter', 'health=bogus']);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /Unrecognised filter value for health: bogus/);
    await dockerOk(d, ['rm', '-f', 'plain']);
  });

  test('a probe past its timeout is killed and recorded with exit code -1', async () => {
    await dockerOk(d, [
      'run',
      '-d',
      '--name',
      'slow',
      ...NET,
      '--health-cmd',
      'sleep 30',
      '--health-interval',
      '1s',
      '--health-timeout',
      '1s',
      '--health-retries',
      '1',
      bb,
      'sleep',
      '300',
    ]);
    const h = await until('slow', (x) => x?.Status === 'unhealthy');
    assert.equal(h?.Log.at(-1)?.ExitCode, -1);
    assert.equal(h?.Log.at(-1)?.Output, 'Health check exceeded timeout (1s)');
    // The killed probe does not linger inside the container.
    const ps = await dockerOk(d, ['exec', 'slow', 'ps', '-o', 'args']);
    assert.ok(ps.split('\n').filter((l) => l.trim() === 'sleep 30').length <= 1, ps);
    await dockerOk(d, ['rm', '-f', 'slow']);
  });

  test('probes stop with the container, resume on start and after an engine kill -9', async () => {
    const healthy = await until('hc', (h) => h?.Status === 'healthy');
    const since = Math.floor(Date.now() / 1000);
    await dockerOk(d, ['stop', '-t', '0', 'hc']);
    const stopped = await health('hc');
    // As Docker (daemon/container/health.go CloseMonitorChannel): the monitor stops and the
    // status becomes unhealthy, the failing streak and the log stay, no health_status event.
    assert.equal(stopped?.Status, 'unhealthy');
    assert.equal(stopped?.FailingStreak, healthy?.FailingStreak);
    assert.ok((stopped?.Log.length ?? 0) >= (healthy?.Log.length ?? 0));
    // ps shows no health for a stopped container (moby's State.String).
    assert.match(
      await dockerOk(d, ['ps', '-a', '--filter', 'name=hc', '--format', '{{.Status}}']),
      /^Exited \(137\) [^(]*$/,
    );
    const stopEvents = await dockerOk(d, [
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.floor(Date.now() / 1000) + 1),
      '--filter',
      'container=hc',
      '--format',
      '{{.Action}}',
    ]);
    assert.ok(stopEvents.includes('die'), stopEvents);
    assert.ok(!stopEvents.includes('health_status'), stopEvents);
    const count = stopped?.Log.length ?? 0;
    const lastStart = stopped?.Log.at(-1)?.Start;
    await sleep(2500);
    assert.equal((await health('hc'))?.Log.at(-1)?.Start, lastStart, 'no probe runs while stopped');
    assert.ok(count > 0);

    await dockerOk(d, ['start', 'hc']);
    // /tmp/ok is gone with the restart? No: the rootfs is kept, so the probe succeeds again.
    const started = await health('hc');
    assert.equal(started?.Status, 'starting');
    await until('hc', (h) => h?.Status === 'healthy');

    // Engine killed: the adopted container is still probed.
    const pid = d.pids().engine;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await sleep(1000);
    await waitForApi(d);
    // As Docker's restore (daemon.go initHealthMonitor): the status starts over, then probes.
    await until('hc', (h) => h?.Status === 'healthy');
    await dockerOk(d, ['exec', 'hc', 'rm', '/tmp/ok']);
    await until('hc', (h) => h?.Status === 'unhealthy');
    await dockerOk(d, ['rm', '-f', 'hc']);
  });

  test('after an engine kill -9 the health of a running container starts over, as Docker restores it', async () => {
    await dockerOk(d, [
      'run',
      '-d',
      '--name',
      'hc-restore',
      ...NET,
      '--health-cmd',
      'true',
      '--health-interval',
      '120s',
      '--health-start-period',
      '120s',
      '--health-start-interval',
      '2s',
      bb,
      'sleep',
      '300',
    ]);
    const healthy = await until('hc-restore', (h) => h?.Status === 'healthy');
    const probes = healthy?.Log.length ?? 0;
    const pid = d.pids().engine;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await sleep(500);
    await waitForApi(d, { intervalMs: 100 });
    // daemon.go restore → initHealthMonitor: starting, streak 0, the log kept.
    const restored = await health('hc-restore');
    assert.equal(restored?.Status, 'starting');
    assert.equal(restored?.FailingStreak, 0);
    assert.ok((restored?.Log.length ?? 0) >= probes);
    // Still inside the start period: probed at the start interval, healthy again.
    await until('hc-restore', (h) => h?.Status === 'healthy');
    await dockerOk(d, ['rm', '-f', 'hc-restore']);
  });

  test('dockerode: Healthcheck durations are checked as Docker does', async () => {
    const api = dockerode(d);
    await assert.rejects(
      api.createContainer({ Image: bb, Cmd: ['true'], Healthcheck: { Test: ['CMD', 'true'], Interval: 10 } }),
      (err: { statusCode?: number; message?: string }) =>
        err.statusCode === 400 && /Interval in Healthcheck cannot be less than 1ms/.test(err.message ?? ''),
    );
    const c = await api.createContainer({
      Image: bb,
      Cmd: ['sleep', '300'],
      HostConfig: { NetworkMode: 'none' },
      Healthcheck: { Test: ['CMD', 'true'], Interval: 1_000_000_000 },
    });
    await c.start();
    const info = await c.inspect();
    assert.deepEqual(info.Config.Healthcheck?.Test, ['CMD', 'true']);
    for (let i = 0; i < 60; i++) {
      if ((await c.inspect()).State.Health?.Status === 'healthy') break;
      await sleep(500);
    }
    assert.equal((await c.inspect()).State.Health?.Status, 'healthy');
    await c.remove({ force: true });
  });
});
