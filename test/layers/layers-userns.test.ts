// Runs the layer store's inner suites (testing/*.suite.ts) inside a user namespace with
// subordinate ids mapped, as the engine runs: uid 0 inside, overlay mounts allowed.
// As root, the namespace is made for the suite's unprivileged test user (test/helpers); as any
// other user, for that user. The suites run from a folder that user can read (appDir). The inner runner's output is printed and its failures
// fail this test.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chown, lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { appDir } from '../helpers/app.js';
import { testUser } from '../helpers/test-user.js';

const isRoot = process.getuid?.() === 0;
const SUITES = ['extract.suite.ts', 'snapshotter.suite.ts'];

function passwdIds(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  assert.ok(line, `user ${name} must exist to run the user-namespace suites (RLT_TEST_USER)`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function subuidStart(name: string): number {
  const line = readFileSync('/etc/subuid', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  assert.ok(line, `${name} needs a range in /etc/subuid`);
  return Number(line.split(':')[1]);
}

function inNamespace(
  user: string,
  repo: string,
  command: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  const unshare = [
    'unshare',
    '--user',
    '--map-root-user',
    '--map-auto',
    '--mount',
    '--propagation',
    'private',
    '--',
  ];
  const argv = isRoot ? ['runuser', '-u', user, '--', ...unshare, ...command] : [...unshare, ...command];
  return new Promise((done) => {
    // Without NODE_TEST_CONTEXT the inner node runs its files instead of reporting to us.
    const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: repo,
      env: { ...outer, ...env, TMPDIR: '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('close', (code) => done({ code: code ?? 1, output }));
  });
}

test('layer store suites pass inside a user namespace; owners map to subordinate ids', async (t) => {
  const user = (await testUser()).name;
  const repo = await appDir(await testUser());
  const suites = SUITES.map((f) => join(repo, 'src', 'engine', 'layers', 'testing', f));
  const name = isRoot ? user : userInfo().username;
  const ids = passwdIds(name);
  const hostDir = await mkdtemp(join(tmpdir(), 'rlt-hostcheck-'));
  if (isRoot) await chown(hostDir, ids.uid, ids.gid);
  try {
    const node = [process.execPath, '--import', 'tsx', '--test', '--test-reporter=tap', ...suites];
    const { code, output } = await inNamespace(user, repo, node, { RLT_LAYERS_HOST_CHECK_DIR: hostDir });
    for (const line of output.trimEnd().split('\n')) t.diagnostic(line);
    const failed = output
      .split('\n')
      .filter((l) => /^\s*not ok /.test(l))
      .join('\n');
    assert.equal(code, 0, `inner suites failed:\n${failed}\n--- output tail ---\n${output.slice(-6000)}`);
    assert.match(output, /# pass [1-9]/);
    // Owned by 1000 inside the namespace: subordinate id START + 999 on the host.
    const st = await lstat(join(hostDir, 'owned'));
    assert.equal(st.uid, subuidStart(name) + 999);
  } finally {
    if (isRoot) await rm(hostDir, { recursive: true, force: true });
    else await inNamespace(user, repo, ['rm', '-rf', hostDir], {});
  }
});
