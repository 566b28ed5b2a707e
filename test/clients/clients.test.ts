import assert from 'node:assert/strict';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  appDir,
  CI_DIR,
  type Daemon,
  dockerOk,
  makeUserDir,
  runAsUser,
  skipUnless,
  testUser,
  until,
  withDaemon,
} from '../helpers/index.js';

/**
 * The other clients the brief names, beside the docker CLI and dockerode: docker-py (Debian's
 * python3-docker), docker-compose v1 (Debian's docker-compose, which drives the API through
 * docker-py) and testcontainers-node. Each runs as the test user against the daemon, as a
 * user's own program would, and the assertions are on what it saw.
 */

const here = resolve(fileURLToPath(import.meta.url), '..');
let d: Daemon;
let bb: string;
let registryHost: string;

withDaemon({ images: ['busybox'] }, (env) => {
  d = env.daemon;
  bb = env.image('busybox');
  registryHost = env.registry.host;
});

const hasPython = existsSync('/usr/lib/python3/dist-packages/docker/__init__.py');
const hasCompose = existsSync('/usr/bin/docker-compose');

/** A copy of one of this folder's client scripts that the test user can read. */
async function userScript(name: string): Promise<string> {
  const dir = makeUserDir(await testUser(), CI_DIR, 'client-');
  const path = join(dir, name);
  copyFileSync(join(here, name), path);
  return path;
}

/** Runs a client program as the test user with the daemon's CLI environment; returns stdout. */
async function asUser(
  file: string,
  args: string[],
  extra: Record<string, string> = {},
  cwd = '/',
): Promise<string> {
  const r = await runAsUser(d.user, file, args, { ...d.cliEnv, ...extra }, { cwd, timeoutMs: 240_000 });
  assert.equal(r.exitCode, 0, `${file} ${args.join(' ')} exited ${r.exitCode}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

describe('docker-py', () => {
  test('a session: run, exec, logs, archive, attach, commit, volumes, networks, push and pull, errors', {
    skip: skipUnless(hasPython, 'python3-docker is not installed'),
  }, async () => {
    const out = await asUser('python3', [await userScript('docker_py_session.py')], {
      IMAGE: bb,
      REGISTRY: registryHost,
    });
    const seen = JSON.parse(out) as Record<string, unknown>;
    assert.equal(seen.ping, true);
    assert.equal(seen.api, '1.51');
    // run() hands back the output: it reads the log back because the driver is json-file.
    assert.equal(seen.run, 'out\nerr\n');
    assert.deepEqual(seen.run_error, { exit: 3, stderr: 'bad\n' });
    assert.equal(seen.status, 'running');
    assert.deepEqual(seen.listed, ['py-ticker']);
    assert.match(seen.logs_tail as string, /^tick \d+\n$/);
    assert.deepEqual(seen.exec, { exit: 0, out: '1\n0\n' });
    assert.deepEqual(seen.exec_demux, { exit: 4, out: 'a\n', err: 'b\n' });
    assert.deepEqual((seen.top_titles as string[]).slice(0, 3), ['UID', 'PID', 'PPID']);
    assert.ok((seen.stats_memory as number) > 0);
    assert.equal(seen.put_archive, true);
    assert.deepEqual(seen.get_archive, { name: 'hello.txt', content: 'abc' });
    // The loop ignores SIGTERM as PID 1, so stop -t 1 ends it with SIGKILL.
    assert.deepEqual(seen.wait, { StatusCode: 137, Error: null });
    assert.deepEqual(seen.attach_frames, [
      [1, 'got hello\n'],
      [2, 'bye\n'],
    ]);
    assert.equal(seen.attach_wait, 0);
    // docker-py sends {} as the commit body, so the change's ENV comes first (Docker's merge).
    assert.deepEqual(seen.commit_env, [
      'Z=1',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ]);
    assert.equal(seen.volume_out, 'data\n');
    assert.match(seen.by_name as string, /1 packets received/);
    assert.deepEqual(seen.net_containers, ['py-srv']);
    assert.deepEqual(seen.push_errors, []);
    assert.ok(
      (seen.repo_digests as string[]).includes(`${registryHost}/library/busybox@${seen.push_digest}`),
    );
    assert.equal(seen.pulled_id, seen.image_id);
    assert.equal(seen.not_found, 'No such container: py-nope');
    assert.deepEqual(seen.bad_mount, { status: 400, explanation: 'invalid mode: bogus' });
    assert.equal(seen.login, 'Login Succeeded');
    assert.equal((await dockerOk(d, ['ps', '-aq'])).trim(), '');
  });
});

const COMPOSE_FILE = (image: string) => `version: "3.8"
services:
  web:
    image: ${image}
    command: ["httpd", "-f", "-v", "-p", "8080", "-h", "/srv"]
    ports: ["127.0.0.1::8080"]
    volumes: ["data:/srv"]
    environment: { MODE: prod }
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:8080/"]
      interval: 1s
      retries: 5
  seed:
    image: ${image}
    command: ["sh", "-c", "echo hello-from-seed > /srv/index.html"]
    volumes: ["data:/srv"]
  client:
    image: ${image}
    depends_on: [web]
    command: ["sh", "-c", "until wget -q -O- http://web:8080/; do sleep 0.2; done; exec sleep 300"]
    networks: [default, back]
volumes:
  data: {}
networks:
  back: { internal: true }
`;

describe('docker-compose (v1, through docker-py)', () => {
  test('up, ps, logs, exec, run, scale, restart, down -v', {
    skip: skipUnless(hasPython && hasCompose, 'docker-compose is not installed'),
  }, async () => {
    const user = await testUser();
    const dir = makeUserDir(user, CI_DIR, 'compose-');
    writeFileSync(join(dir, 'docker-compose.yml'), COMPOSE_FILE(bb), { mode: 0o644 });
    const compose = (...args: string[]) => asUser('docker-compose', ['-p', 'demo', ...args], {}, dir);
    try {
      await compose('up', '-d', 'seed');
      await until(
        async () =>
          (await dockerOk(d, ['inspect', '-f', '{{.State.Status}}', 'demo_seed_1'])).trim() === 'exited',
        'the seed to exit',
      );
      await compose('up', '-d');
      await until(
        async () =>
          (await dockerOk(d, ['inspect', '-f', '{{.State.Health.Status}}', 'demo_web_1'])).trim() ===
          'healthy',
        'web to be healthy',
      );
      const ps = await compose('ps');
      assert.match(ps, /demo_web_1 .* Up \(healthy\) .*127\.0\.0\.1:\d+->8080\/tcp/);
      assert.match(ps, /demo_seed_1 .* Exit 0/);
      // The published port answers from the host with the volume the seed filled.
      const port = (await compose('port', 'web', '8080')).trim();
      assert.match(port, /^127\.0\.0\.1:\d+$/);
      assert.equal(await (await fetch(`http://${port}/`)).text(), 'hello-from-seed\n');
      // The client found web by its service name on the project network.
      await until(
        async () => (await compose('logs', '--no-color', 'client')).includes('hello-from-seed'),
        "the client's fetch",
      );
      assert.equal((await compose('exec', '-T', 'web', 'sh', '-c', 'echo $MODE')).trim(), 'prod');
      const run = await compose('run', '--rm', '-T', 'client', 'sh', '-c', 'wget -q -O- http://web:8080/');
      assert.equal(run.trim(), 'hello-from-seed');
      await compose('up', '-d', '--scale', 'client=2');
      assert.equal(
        (await dockerOk(d, ['ps', '-q', '--filter', 'label=com.docker.compose.service=client']))
          .trim()
          .split('\n').length,
        2,
      );
      await compose('restart', '-t', '1', 'web');
      assert.equal(
        (await dockerOk(d, ['inspect', '-f', '{{.RestartCount}} {{.State.Running}}', 'demo_web_1'])).trim(),
        '0 true',
      );
      assert.deepEqual(
        (
          await dockerOk(d, [
            'network',
            'ls',
            '--format',
            '{{.Name}}',
            '--filter',
            'label=com.docker.compose.project=demo',
          ])
        )
          .trim()
          .split('\n')
          .sort(),
        ['demo_back', 'demo_default'],
      );
      assert.equal(
        (await dockerOk(d, ['network', 'inspect', '-f', '{{.Internal}}', 'demo_back'])).trim(),
        'true',
      );
    } finally {
      await compose('down', '-v', '-t', '1');
    }
    assert.equal((await dockerOk(d, ['ps', '-aq'])).trim(), '');
    assert.equal((await dockerOk(d, ['volume', 'ls', '-q'])).trim(), '');
    assert.deepEqual(
      (await dockerOk(d, ['network', 'ls', '--format', '{{.Name}}'])).trim().split('\n').sort(),
      ['bridge', 'host', 'none'],
    );
  });
});

describe('testcontainers-node', () => {
  test('wait strategies (ports, log, health check), exec, logs, copy, restart, networks with aliases', async () => {
    const out = await asUser(process.execPath, [await userScript('testcontainers-session.mjs')], {
      IMAGE: bb,
      APP_DIR: await appDir(await testUser()),
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      TESTCONTAINERS_HOST_OVERRIDE: 'localhost',
    });
    const seen = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    assert.deepEqual(seen.fetch, { status: 200, body: 'hello' });
    assert.deepEqual(seen.exec, { output: 'x\ncopied', stdout: 'x\ncopied', stderr: '', exitCode: 0 });
    assert.equal(seen.logs, 'started\n');
    assert.ok((seen.archiveBytes as number) >= 1024);
    assert.equal(seen.afterRestart, 200);
    assert.equal(seen.byAlias, seen.serverHostname);
    assert.equal(seen.healthy, true);
    assert.equal((await dockerOk(d, ['ps', '-aq'])).trim(), '');
  });
});
