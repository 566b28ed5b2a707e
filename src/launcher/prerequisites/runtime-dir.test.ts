import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CheckContext } from './context.js';
import { checkRuntimeDir } from './runtime-dir.js';

let dir: string;
const uid = process.getuid?.() ?? 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootlessd-rt-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ctx(runtimeDir: string, fromEnv: boolean, owner = uid): CheckContext {
  return {
    uid: owner,
    user: 'u',
    home: dir,
    env: {},
    xdg: { runtimeDir, runtimeDirFromEnv: fromEnv, dataHome: '/d', configDir: '/c' },
  };
}

test('an own 0700 folder passes', async () => {
  const rt = join(dir, 'ok');
  await mkdir(rt, { mode: 0o700 });
  assert.equal((await checkRuntimeDir(ctx(rt, true))).status, 'pass');
});

test('a wrong mode fails with a chmod fix', async () => {
  const rt = join(dir, 'open');
  await mkdir(rt);
  await chmod(rt, 0o755);
  const r = await checkRuntimeDir(ctx(rt, true));
  assert.equal(r.status, 'fail');
  assert.equal(r.blocksStart, true);
  assert.equal(r.fix?.any, `chmod 0700 ${rt}`);
});

test("someone else's folder fails", async () => {
  const rt = join(dir, 'other');
  await mkdir(rt, { mode: 0o700 });
  const r = await checkRuntimeDir(ctx(rt, true, uid + 1));
  assert.equal(r.status, 'fail');
  assert.match(r.detail, /owned by uid/);
});

test('a missing folder named by XDG_RUNTIME_DIR fails', async () => {
  assert.equal((await checkRuntimeDir(ctx(join(dir, 'missing'), true))).status, 'fail');
});

test('unset XDG_RUNTIME_DIR warns while the fallback is safe', async () => {
  const r = await checkRuntimeDir(ctx(join(dir, 'fallback'), false));
  assert.equal(r.status, 'warn');
  assert.match(r.detail, /XDG_RUNTIME_DIR is not set/);
});

test("root's daemon uses /run/rootlessd, owned by the mapped root", async () => {
  const r = await checkRuntimeDir({
    uid: 0,
    user: 'root',
    home: dir,
    env: {},
    xdg: { runtimeDir: '/run/rootlessd', runtimeDirFromEnv: false, dataHome: '/d', configDir: '/c' },
  });
  assert.equal(r.status, 'pass');
  assert.match(r.detail, /mapped root/);
});
