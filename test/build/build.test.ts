import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import tar from 'tar-stream';
import {
  type Daemon,
  docker,
  dockerJson,
  dockerOk,
  dockerSpawn,
  until,
  withDaemon,
} from '../helpers/index.js';
import { CI_DIR, makeUserDir, runAsUser } from '../helpers/test-user.js';

/** docker build (classic builder, Builder-Version 1) with the real CLI against the daemon. */

let d: Daemon;
let bb: string;
let work: string;
let n = 0;

withDaemon({ images: ['busybox'] }, (env) => {
  d = env.daemon;
  bb = env.image('busybox');
  work = makeUserDir(d.user, CI_DIR, 'build-');
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A build context folder with these files, readable by the test user. */
function context(files: Record<string, string>): string {
  const dir = join(work, `ctx${n++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, name), text, { mode: 0o644 });
  }
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (d.user.viaRunuser) chownRecursive(dir, d.user.uid, d.user.gid, Object.keys(files));
  return dir;
}

/** A tar archive with these files (for ADD). */
async function tarball(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name, uid: 123, gid: 456 }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function chownRecursive(dir: string, uid: number, gid: number, names: string[]): void {
  chownSync(dir, uid, gid);
  for (const name of names) {
    const parts = name.split('/');
    for (let i = 1; i <= parts.length; i++) chownSync(join(dir, ...parts.slice(0, i)), uid, gid);
  }
}

/** A program run as the test user in `cwd` with the daemon's CLI environment. */
const runAsUserIn = (cwd: string, argv: string[]) =>
  runAsUser(d.user, argv[0] as string, argv.slice(1), d.cliEnv, { cwd, timeoutMs: 180_000 });

const build = (args: string[]) => docker(d, ['build', ...args], { timeoutMs: 120_000 });
const run = (image: string, ...cmd: string[]) =>
  dockerOk(d, ['run', '--rm', '--network', 'none', image, ...cmd]);

interface ImageInspect {
  Id: string;
  Config: {
    Env: string[];
    Cmd: string[] | null;
    WorkingDir: string;
    User: string;
    Labels: Record<string, string> | null;
  };
}

describe('docker build (classic builder)', () => {
  test('multi-stage with COPY --from, build args, .dockerignore, and the config the image runs with', async () => {
    const dir = context({
      Dockerfile: [
        `ARG BASE=${bb}`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile substitution, not a template
        'FROM ${BASE} AS builder',
        'ARG GREETING=hello',
        'WORKDIR /src',
        'COPY . .',
        'RUN echo "$GREETING from builder" > /out.txt && ls /src > /listing.txt',
        '',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile substitution, not a template
        'FROM ${BASE} AS final',
        '# a comment, and a continued line',
        'ENV APP_HOME=/app \\',
        '    MODE=prod',
        'WORKDIR $APP_HOME',
        'COPY --from=builder /out.txt /listing.txt ./',
        'COPY --chown=1000:1000 app/ ./app/',
        'USER 1000',
        'LABEL org.example.name="built here"',
        'CMD ["sh", "-c", "echo $MODE in $(pwd) as $(id -u); cat out.txt"]',
        '',
        'FROM final AS extra',
        'RUN exit 3',
      ].join('\n'),
      '.dockerignore': 'secret.txt\n',
      'secret.txt': 'do not send\n',
      'app/main.sh': 'echo main\n',
    });
    const r = await build([
      '-t',
      'build-test/multi:v1',
      '--target',
      'final',
      '--build-arg',
      'GREETING=hi',
      '--build-arg',
      'UNUSED=1',
      dir,
    ]);
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Step 1\/14 : ARG BASE=/);
    assert.match(r.stdout, /Step \d+\/14 : COPY --from=builder \/out.txt \/listing.txt \.\//);
    assert.match(r.stdout, / ---> Running in [0-9a-f]{12}\n/);
    assert.match(r.stdout, / ---> Removed intermediate container [0-9a-f]{12}\n/);
    assert.match(r.stdout, /Successfully built [0-9a-f]{12}\n/);
    assert.match(r.stdout, /Successfully tagged build-test\/multi:v1\n/);
    assert.doesNotMatch(r.stdout, /RUN exit 3/, 'the stage after the target is not built');
    assert.match(r.stdout, /\[Warning\] One or more build-args \[UNUSED\] were not consumed\n/);

    const out = await run('build-test/multi:v1');
    assert.equal(out, 'prod in /app as 1000\nhi from builder\n');
    // .dockerignore (applied by the CLI) kept secret.txt out of the context.
    const listing = await run('build-test/multi:v1', 'cat', '/app/listing.txt');
    const names = listing.trim().split('\n');
    assert.ok(names.includes('Dockerfile') && names.includes('app'), listing);
    assert.ok(!names.includes('secret.txt'), listing);
    assert.equal(
      (await run('build-test/multi:v1', 'stat', '-c', '%u:%g', '/app/app/main.sh')).trim(),
      '1000:1000',
    );

    const [img] = await dockerJson<ImageInspect[]>(d, ['image', 'inspect', 'build-test/multi:v1']);
    assert.ok(img);
    assert.ok(img.Config.Env.includes('APP_HOME=/app'));
    assert.ok(img.Config.Env.includes('MODE=prod'));
    assert.equal(img.Config.WorkingDir, '/app');
    assert.equal(img.Config.User, '1000');
    assert.deepEqual(img.Config.Labels, { 'org.example.name': 'built here' });
    const history = await dockerOk(d, [
      'history',
      '--no-trunc',
      '--format',
      '{{.CreatedBy}}',
      'build-test/multi:v1',
    ]);
    assert.match(
      history,
      /^\/bin\/sh -c #\(nop\) CMD \["sh" "-c" "echo \$MODE in \$\(pwd\) as \$\(id -u\); cat out.txt"\]\n/,
    );
    assert.match(history, /#\(nop\) WORKDIR \/app/);
  });

  test('the layer cache: a second build hits every step, a changed file misses from its COPY on', async () => {
    const dir = context({
      Dockerfile: [`FROM ${bb}`, 'ENV A=1', 'COPY data.txt /data.txt', 'RUN cat /data.txt > /copy.txt'].join(
        '\n',
      ),
      'data.txt': 'one\n',
    });
    const first = await build(['-t', 'build-test/cache:v1', dir]);
    assert.equal(first.exitCode, 0, first.stderr + first.stdout);
    assert.doesNotMatch(first.stdout, /Using cache/);
    const second = await build(['-t', 'build-test/cache:v2', dir]);
    assert.equal(second.exitCode, 0, second.stderr);
    assert.equal((second.stdout.match(/ ---> Using cache\n/g) ?? []).length, 3);
    const id = (s: string) => /Successfully built ([0-9a-f]{12})/.exec(s)?.[1];
    assert.equal(id(second.stdout), id(first.stdout));
    // History lines carry the ids of the build's intermediate images, then the base image's.
    const lines = (await dockerOk(d, ['history', '-q', 'build-test/cache:v1'])).trim().split('\n');
    const steps = [...first.stdout.matchAll(/ ---> ([0-9a-f]{12})\n/g)].map((m) => m[1]).reverse();
    assert.deepEqual(lines.slice(0, 4), steps);

    writeFileSync(join(dir, 'data.txt'), 'two\n');
    const third = await build(['-t', 'build-test/cache:v3', dir]);
    assert.equal(third.exitCode, 0, third.stderr);
    assert.equal((third.stdout.match(/ ---> Using cache\n/g) ?? []).length, 1, 'only ENV is cached');
    assert.equal(await run('build-test/cache:v3', 'cat', '/copy.txt'), 'two\n');

    const nocache = await build(['--no-cache', '-q', dir]);
    assert.equal(nocache.exitCode, 0, nocache.stderr);
    assert.match(nocache.stdout, /^sha256:[0-9a-f]{64}\n$/, '-q prints only the id');
  });

  test('a failing RUN ends the build with Docker message and the exit code', async () => {
    const dir = context({ Dockerfile: `FROM ${bb}\nRUN echo before && false\n` });
    const r = await build(['--force-rm', dir]);
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout, /before\n/);
    assert.match(r.stderr, /The command '\/bin\/sh -c echo before && false' returned a non-zero code: 1/);
    const quiet = await build([
      '-q',
      '--force-rm',
      context({ Dockerfile: `FROM ${bb}\nRUN echo 'é…' && false\n` }),
    ]);
    assert.equal(quiet.exitCode, 1);
    assert.match(quiet.stderr, /é…\n/, '-q shows the output of a failed build');
    assert.match(quiet.stderr, /returned a non-zero code: 1/);
    const exit5 = await build([
      '--force-rm',
      context({ Dockerfile: `FROM ${bb}\nRUN ["sh", "-c", "exit 5"]\n` }),
    ]);
    assert.equal(exit5.exitCode, 5);
    assert.match(exit5.stderr, /The command 'sh -c exit 5' returned a non-zero code: 5/);
  });

  test('a bad Dockerfile is refused with Docker parse error', async () => {
    const r = await build([context({ Dockerfile: `FROM ${bb}\nRUN true\nFROB me\n` })]);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /dockerfile parse error on line 3: unknown instruction: FROB/);
    const target = await build(['--target', 'nope', context({ Dockerfile: `FROM ${bb}\n` })]);
    assert.notEqual(target.exitCode, 0);
    assert.match(target.stderr, /failed to reach build target nope in Dockerfile/);
  });

  test('-f names another Dockerfile; tags are repeatable; events name the build steps', async () => {
    const dir = context({ 'other.Dockerfile': `FROM ${bb}\nRUN echo built > /f\n` });
    const since = Math.floor(Date.now() / 1000) - 1;
    const r = await build([
      '--pull',
      '--label',
      'org.example.built-by=test',
      '-f',
      join(dir, 'other.Dockerfile'),
      '-t',
      'build-test/f:a',
      '-t',
      'build-test/f:b',
      dir,
    ]);
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Status: Image is up to date for /, '--pull pulls the base again');
    const labels = await dockerOk(d, [
      'image',
      'inspect',
      '--format',
      '{{json .Config.Labels}}',
      'build-test/f:a',
    ]);
    assert.deepEqual(JSON.parse(labels), { 'org.example.built-by': 'test' });
    const ids = await dockerOk(d, ['image', 'ls', '--format', '{{.Tag}} {{.ID}}', 'build-test/f']);
    const lines = ids.trim().split('\n').sort();
    assert.equal(lines.length, 2);
    assert.equal(lines[0]?.split(' ')[1], lines[1]?.split(' ')[1]);
    const events = await dockerOk(d, [
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.floor(Date.now() / 1000) + 1),
      '--format',
      '{{.Type}} {{.Action}}',
    ]);
    for (const e of [
      'container create',
      'container start',
      'container die',
      'container destroy',
      'image tag',
    ])
      assert.ok(events.includes(e), `${e} in:\n${events}`);
  });

  test('FROM scratch, COPY --from an image, ADD of a tar, SHELL, ENTRYPOINT and the config instructions', async () => {
    const dir = context({
      Dockerfile: [
        'FROM scratch',
        `COPY --from=${bb} /bin/busybox /bin/busybox`,
        'ADD files.tar /unpacked/',
        'ADD more.tar.xz /',
        'ADD plain.txt /plain.txt',
        'SHELL ["/bin/busybox", "sh", "-c"]',
        'RUN /bin/busybox echo shell-ok > /shell.txt',
        'EXPOSE 80 53/udp',
        'VOLUME /data',
        'STOPSIGNAL SIGUSR1',
        'HEALTHCHECK --interval=5s --retries=2 CMD /bin/busybox true',
        'ENTRYPOINT ["/bin/busybox"]',
        'CMD ["cat", "/shell.txt", "/unpacked/a.txt", "/from-xz.txt"]',
      ].join('\n'),
      'plain.txt': 'plain\n',
    });
    writeFileSync(join(dir, 'files.tar'), await tarball({ 'a.txt': 'from tar\n' }), { mode: 0o644 });
    const xz = execFileSync('xz', ['-c'], { input: await tarball({ 'from-xz.txt': 'xz\n' }) });
    writeFileSync(join(dir, 'more.tar.xz'), xz, { mode: 0o644 });
    if (d.user.viaRunuser)
      for (const f of ['files.tar', 'more.tar.xz']) chownSync(join(dir, f), d.user.uid, d.user.gid);
    const r = await build(['-t', 'build-test/scratch', dir]);
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Step 1\/13 : FROM scratch\n ---> \n/);
    assert.equal(await run('build-test/scratch'), 'shell-ok\nfrom tar\nxz\n');
    assert.equal(
      await run('build-test/scratch', 'stat', '-c', '%u:%g %n', '/unpacked/a.txt', '/plain.txt'),
      '123:456 /unpacked/a.txt\n0:0 /plain.txt\n',
      'ADD keeps the ownership of archive entries; copied files belong to root',
    );
    const [img] = await dockerJson<Array<Record<string, Record<string, unknown>>>>(d, [
      'image',
      'inspect',
      'build-test/scratch',
    ]);
    const config = img?.Config ?? {};
    assert.deepEqual(config.ExposedPorts, { '53/udp': {}, '80/tcp': {} });
    assert.deepEqual(config.Volumes, { '/data': {} });
    assert.equal(config.StopSignal, 'SIGUSR1');
    assert.deepEqual(config.Healthcheck, {
      Test: ['CMD-SHELL', '/bin/busybox true'],
      Interval: 5e9,
      Retries: 2,
    });
    assert.deepEqual(config.Shell, ['/bin/busybox', 'sh', '-c']);
    const history = await dockerOk(d, [
      'history',
      '--no-trunc',
      '--format',
      '{{.CreatedBy}}',
      'build-test/scratch',
    ]);
    assert.match(history, /^\/bin\/busybox sh -c /m, 'RUN with the SHELL');
  });

  test('ONBUILD triggers run in the stage that uses the image, and are not passed on', async () => {
    const base = await build([
      '-t',
      'build-test/onbuild',
      context({ Dockerfile: `FROM ${bb}\nONBUILD RUN echo triggered > /onbuild.txt\n` }),
    ]);
    assert.equal(base.exitCode, 0, base.stderr + base.stdout);
    const child = await build([
      '-t',
      'build-test/onbuild-child',
      context({ Dockerfile: 'FROM build-test/onbuild\nENV X=1\n' }),
    ]);
    assert.equal(child.exitCode, 0, child.stderr + child.stdout);
    assert.match(child.stdout, /# Executing 1 build trigger\n/);
    assert.equal(await run('build-test/onbuild-child', 'cat', '/onbuild.txt'), 'triggered\n');
    const onbuild = await dockerOk(d, [
      'image',
      'inspect',
      '--format',
      '{{json .Config.OnBuild}}',
      'build-test/onbuild-child',
    ]);
    assert.match(onbuild.trim(), /^(null|\[\])$/);
  });

  test('ADD of a URL and a missing COPY source are clear errors', async () => {
    const url = await build([context({ Dockerfile: `FROM ${bb}\nADD http://example.com/x /x\n` })]);
    assert.notEqual(url.exitCode, 0);
    assert.match(url.stderr, /does not download URLs/);
    const missing = await build([context({ Dockerfile: `FROM ${bb}\nCOPY nope.txt /\n` })]);
    assert.notEqual(missing.exitCode, 0);
    assert.match(
      missing.stderr,
      /COPY failed: file not found in build context or excluded by \.dockerignore: stat nope.txt: file does not exist/,
    );
  });

  test('intermediate images: hidden from `docker images`, removed with the image they led to', async () => {
    const dir = context({ Dockerfile: `FROM ${bb}\nENV ONLY_HERE=1\nRUN echo x > /x\nLABEL only-here=1\n` });
    const r = await build(['-t', 'build-test/rmi', dir]);
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    const ids = [...r.stdout.matchAll(/ ---> ([0-9a-f]{12})\n/g)].map((m) => m[1] as string);
    const intermediate = ids.slice(1, -1);
    assert.equal(intermediate.length, 2);
    const listed = await dockerOk(d, ['images', '-q', '--no-trunc']);
    const all = await dockerOk(d, ['images', '-a', '-q', '--no-trunc']);
    for (const id of intermediate) {
      assert.ok(!listed.includes(`sha256:${id}`), 'hidden without -a');
      assert.ok(all.includes(`sha256:${id}`), 'listed with -a');
    }
    const removed = await dockerOk(d, ['rmi', 'build-test/rmi']);
    for (const id of intermediate) assert.match(removed, new RegExp(`Deleted: sha256:${id}`));
  });

  test('docker-compose builds a service (docker-py underneath)', async () => {
    const dir = context({
      'docker-compose.yml': [
        'version: "2.4"',
        'services:',
        '  app:',
        '    image: build-test/compose:v1',
        '    build:',
        '      context: ./app',
        '      args:',
        '        WHO: compose',
      ].join('\n'),
      'app/Dockerfile': `FROM ${bb}\nARG WHO\nRUN echo "built by $WHO" > /who.txt\n`,
    });
    const r = await runAsUserIn(dir, ['docker-compose', 'build']);
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    assert.equal(await run('build-test/compose:v1', 'cat', '/who.txt'), 'built by compose\n');
  });

  test('a Dockerfile from stdin; --network and --add-host reach RUN', async () => {
    const df = `FROM ${bb}\nRUN grep -c buildhost /etc/hosts > /hosts.txt; ip -o link | grep -vc ' lo:' > /links.txt; true\n`;
    const r = await docker(
      d,
      ['build', '-t', 'build-test/stdin', '--network', 'none', '--add-host', 'buildhost:10.1.2.3', '-'],
      {
        input: df,
        timeoutMs: 120_000,
      },
    );
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    assert.equal(await run('build-test/stdin', 'cat', '/hosts.txt'), '1\n');
    assert.equal(await run('build-test/stdin', 'cat', '/links.txt'), '0\n', 'only lo with --network none');
  });

  test('a build the client cancels stops its RUN and removes the container', async () => {
    const dir = context({ Dockerfile: `FROM ${bb}\nRUN echo started && sleep 60\n` });
    const cli = dockerSpawn(d, ['build', '--label', 'build-test=cancel', dir]);
    let out = '';
    cli.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    cli.stderr?.resume();
    await until(() => out.includes('\nstarted\n'), 'the RUN to start');
    const id = / ---> Running in ([0-9a-f]{12})/.exec(out)?.[1];
    assert.ok(id, out);
    // Ctrl-C goes to the docker CLI itself (runuser, which runs it as the user, would not pass it on).
    const cliPid = execFileSync('pgrep', ['-P', String(cli.pid)])
      .toString()
      .trim();
    process.kill(Number(cliPid || cli.pid), 'SIGINT');
    await until(
      async () => (await dockerOk(d, ['ps', '-aq', '--filter', `id=${id}`])).trim() === '',
      'the container to go',
    );
  });
});
