import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { type Daemon, docker, dockerOk, sleep, withDaemon } from '../helpers/index.js';

/** Log drivers, daemon.json log-opts and max-size/max-file rotation with the real docker CLI and conmon. */

let d: Daemon;
let bb: string;
const NET = ['--network', 'none'];
const LINES = 6000;

withDaemon(
  {
    images: ['busybox'],
    daemon: { daemonJson: { 'log-driver': 'json-file', 'log-opts': { 'max-size': '20k', 'max-file': '3' } } },
  },
  (env) => {
    d = env.daemon;
    bb = env.image('busybox');
  },
);

function logFiles(logPath: string): Array<{ name: string; size: number }> {
  const base = basename(logPath);
  return readdirSync(dirname(logPath))
    .filter((f) => f === base || (/^\.\d+$/.test(f.slice(base.length)) && f.startsWith(base)))
    .map((f) => ({ name: f, size: statSync(join(dirname(logPath), f)).size }));
}

function assertContiguous(lines: string[], numbers: number[]): void {
  numbers.forEach((n, i) => {
    if (i > 0)
      assert.equal(n, (numbers[i - 1] as number) + 1, `line ${i} after ${lines[i - 1]}: ${lines[i]}`);
  });
}

describe('log rotation', () => {
  test('a flood (awk, block-buffered) into max-size=10k max-file=2: the kept lines have no gap', async (t) => {
    const N = 40000;
    const names = ['flood1', 'flood2', 'flood3'];
    await Promise.all(
      names.map((name) =>
        dockerOk(d, [
          'run',
          '-d',
          '--name',
          name,
          ...NET,
          '--log-opt',
          'max-size=10k',
          '--log-opt',
          'max-file=2',
          bb,
          'sh',
          '-c',
          `awk 'BEGIN { for (i = 0; i < ${N}; i++) printf "line %d padding-padding-padding\\n", i }'; sleep 300`,
        ]),
      ),
    );
    for (const name of names) {
      let out = '';
      for (let i = 0; i < 120 && !out.includes(`line ${N - 1} `); i++) {
        await sleep(500);
        out = await dockerOk(d, ['logs', name]);
      }
      const lines = out.trim().split('\n');
      assert.equal(lines.at(-1), `line ${N - 1} padding-padding-padding`);
      const numbers = lines.map((l) => Number(/^line (\d+) /.exec(l)?.[1]));
      t.diagnostic(`${name}: kept ${numbers.length} lines from ${numbers[0]}`);
      assert.ok(numbers.length > 50, `kept ${numbers.length} lines`);
      assertContiguous(lines, numbers);
      const logPath = (await dockerOk(d, ['inspect', '-f', '{{.LogPath}}', name])).trim();
      assert.ok(logFiles(logPath).length <= 2, JSON.stringify(logFiles(logPath)));
    }
    await dockerOk(d, ['rm', '-f', ...names]);
  });

  test('max-size=10k max-file=2: files stay bounded and docker logs returns the recent lines in order', async (t) => {
    await dockerOk(d, [
      'run',
      '-d',
      '--name',
      'chatty',
      ...NET,
      '--log-opt',
      'max-size=10k',
      '--log-opt',
      'max-file=2',
      bb,
      'sh',
      '-c',
      `i=0; while [ $i -lt ${LINES} ]; do echo "line $i padding-padding-padding"; i=$((i+1)); done; sleep 300`,
    ]);
    let out = '';
    for (let i = 0; i < 120 && !out.includes(`line ${LINES - 1} `); i++) {
      await sleep(500);
      out = await dockerOk(d, ['logs', 'chatty']);
    }
    const lines = out.trim().split('\n');
    assert.equal(lines.at(-1), `line ${LINES - 1} padding-padding-padding`);
    const numbers = lines.map((l) => Number(/^line (\d+) /.exec(l)?.[1]));
    // Recent lines only (the old files were dropped), in order, with no line missing between
    // the kept files (a flood can outrun the engine: then older files go whole).
    assert.ok(numbers.length < LINES / 2, `kept ${numbers.length} lines`);
    assert.ok(numbers.length > 50, `kept ${numbers.length} lines`);
    assertContiguous(lines, numbers);

    const logPath = (await dockerOk(d, ['inspect', '-f', '{{.LogPath}}', 'chatty'])).trim();
    const files = logFiles(logPath);
    assert.ok(files.length <= 2, JSON.stringify(files));
    const total = files.reduce((s, f) => s + f.size, 0);
    t.diagnostic(`log files: ${JSON.stringify(files)}; docker logs kept ${numbers.length} lines`);
    // 6000 lines are ~500 KB on disk; two files of about 10 KB, never past conmon's backstop
    // of 64 KB each (a flood can outrun the engine's request at max-size).
    assert.ok(
      files.every((f) => f.size <= 64 * 1024),
      JSON.stringify(files),
    );
    assert.ok(total <= 128 * 1024, `log files hold ${total} bytes: ${JSON.stringify(files)}`);

    const tail = (await dockerOk(d, ['logs', '--tail', '3', 'chatty'])).trim().split('\n');
    assert.deepEqual(
      tail,
      [LINES - 3, LINES - 2, LINES - 1].map((n) => `line ${n} padding-padding-padding`),
    );
    assert.equal(
      (await dockerOk(d, ['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'chatty'])).trim(),
      '{"Type":"json-file","Config":{"max-file":"2","max-size":"10k"}}',
    );
    await dockerOk(d, ['rm', '-f', 'chatty']);
  });

  test('docker logs -f follows the log across rotations', async () => {
    await dockerOk(d, [
      'run',
      '-d',
      '--name',
      'follow',
      ...NET,
      '--log-opt',
      'max-size=4k',
      bb,
      'sleep',
      '300',
    ]);
    const r = docker(d, ['logs', '-f', 'follow'], { timeoutMs: 60_000 });
    await sleep(1000);
    await dockerOk(d, [
      'exec',
      'follow',
      'sh',
      '-c',
      // A steady writer (a reader as slow as the whole log can lose files, as with Docker).
      'i=0; while [ $i -lt 400 ]; do echo "f $i padding-padding-padding" > /proc/1/fd/1; i=$((i+1)); usleep 2000; done',
    ]);
    await sleep(1500);
    await dockerOk(d, ['kill', 'follow']);
    const { stdout } = await r;
    const numbers = stdout
      .trim()
      .split('\n')
      .map((l) => Number(/^f (\d+) /.exec(l)?.[1]));
    assert.equal(numbers.length, 400, stdout.slice(-300));
    assert.deepEqual(numbers, [...Array(400).keys()]);
    await dockerOk(d, ['rm', '-f', 'follow']);
  });

  test('daemon.json log-driver and log-opts are the defaults; unknown drivers and options fail as in Docker', async () => {
    await dockerOk(d, ['create', '--name', 'dflt', ...NET, bb, 'true']);
    assert.equal(
      (await dockerOk(d, ['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'dflt'])).trim(),
      '{"Type":"json-file","Config":{"max-file":"3","max-size":"20k"}}',
    );
    await dockerOk(d, ['create', '--name', 'k8s', '--log-driver', 'k8s-file', ...NET, bb, 'true']);
    assert.equal(
      (await dockerOk(d, ['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'k8s'])).trim(),
      '{"Type":"k8s-file","Config":{}}',
    );
    assert.match((await dockerOk(d, ['info', '--format', '{{.LoggingDriver}}'])).trim(), /^json-file$/);
    const bad = await docker(d, ['create', '--log-driver', 'foo', ...NET, bb, 'true']);
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr, /logger: no log driver named 'foo' is registered/);
    const opt = await docker(d, ['create', '--log-opt', 'max-size=lots', ...NET, bb, 'true']);
    assert.notEqual(opt.exitCode, 0);
    assert.match(opt.stderr, /invalid size: 'lots'/);
    await dockerOk(d, ['rm', 'dflt', 'k8s']);
  });
});
