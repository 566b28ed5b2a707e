import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  type Daemon,
  docker,
  dockerOk,
  removeDaemonEnv,
  sleep,
  startDaemon,
  withDaemon,
} from '../helpers/index.js';

/**
 * A full stop of the daemon (SIGTERM to the launcher, as `systemctl --user stop`) stops the
 * running containers as dockerd does without live-restore, and the next start brings `always`
 * containers back with a working network, while the others stay exited.
 */

let d: Daemon | undefined;
let bb: string;

// The test starts (and restarts) its own daemon.
withDaemon({ images: ['busybox'], daemon: false, teardown: () => d?.stop() }, (env) => {
  bb = env.image('busybox');
});

/** Pids whose command line is `sleep MARKER` (the containers' processes, seen from the host). */
function sleepers(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv.at(-2) === marker && argv.at(-3)?.endsWith('sleep')) found.push(Number(name));
    } catch {}
  }
  return found;
}

test('launcher SIGTERM stops containers; always comes back with its network, the rest stay exited', async () => {
  const first = await startDaemon();
  d = first;
  await dockerOk(first, ['pull', bb]);
  await dockerOk(first, ['run', '-d', '--name', 'keep', '--restart', 'always', bb, 'sleep', '4241']);
  await dockerOk(first, ['run', '-d', '--name', 'once', '--stop-timeout', '1', bb, 'sleep', '4242']);
  assert.equal(sleepers('4241').length, 1);
  assert.equal(sleepers('4242').length, 1);

  const stopped = await first.stop({ keepDirs: true });
  d = undefined;
  assert.equal(stopped.exitCode, 0, first.output().slice(-3000));
  assert.deepEqual(stopped.leftovers, []);
  // No container process outlives the daemon (they lost their namespaces' network before).
  assert.deepEqual(sleepers('4241'), [], 'the always container is still running');
  assert.deepEqual(sleepers('4242'), [], 'the plain container is still running');

  const second = await startDaemon({ reuse: first });
  d = second;
  let status = '';
  for (let i = 0; i < 100 && status !== 'running'; i++) {
    status = (await docker(second, ['inspect', '-f', '{{.State.Status}}', 'keep'])).stdout.trim();
    if (status !== 'running') await sleep(100);
  }
  assert.equal(status, 'running', 'the always container was not started with the daemon');
  const once = (
    await dockerOk(second, ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'once'])
  ).trim();
  // sleep as PID 1 ignores SIGTERM: killed after its 1 s stop timeout, as Docker's 137.
  assert.equal(once, 'exited 137');
  // The restarted container has its bridge address and a route out again.
  const addr = await dockerOk(second, ['exec', 'keep', 'ip', '-4', 'addr', 'show', 'eth0']);
  assert.match(addr, /inet 172\.17\./);
  const ip = (await dockerOk(second, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'keep'])).trim();
  const ping = await docker(second, ['run', '--rm', bb, 'ping', '-c', '1', '-W', '2', ip]);
  assert.equal(ping.exitCode, 0, ping.stdout + ping.stderr);
  await second.stop();
  d = undefined;
  await removeDaemonEnv(first);
});
