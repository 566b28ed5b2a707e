import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CheckContext } from './context.js';
import { checkSubordinateIds, freeRange } from './subordinate-ids.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootlessd-subid-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ctx(user: string, uid: number): CheckContext {
  return {
    uid,
    user,
    home: '/home/x',
    env: {},
    xdg: { runtimeDir: '/run/user/1', runtimeDirFromEnv: true, dataHome: '/d', configDir: '/c' },
  };
}

async function files(subuid: string, subgid: string) {
  const paths = {
    subuid: join(dir, `subuid-${Math.random()}`),
    subgid: join(dir, `subgid-${Math.random()}`),
  };
  await writeFile(paths.subuid, subuid);
  await writeFile(paths.subgid, subgid);
  return paths;
}

test('an entry by name or by uid passes', async () => {
  const f = await files('alice:100000:65536\n', '1001:100000:65536\n');
  const [uid, gid] = await checkSubordinateIds(ctx('alice', 1001), f);
  assert.equal(uid?.status, 'pass');
  assert.equal(gid?.status, 'pass');
  assert.match(uid?.detail ?? '', /alice: 100000:65536/);
});

test('a missing entry warns (single-id mode) and proposes a free range', async () => {
  const f = await files('alice:100000:65536\n', 'alice:100000:65536\n');
  const [uid] = await checkSubordinateIds(ctx('bob', 1002), f);
  assert.equal(uid?.status, 'warn');
  assert.equal(uid?.blocksStart, false);
  assert.match(uid?.detail ?? '', /single-id mode/);
  assert.equal(uid?.fix?.any, 'usermod --add-subuids 196608-262143 bob');
});

test('a small range warns', async () => {
  const f = await files('bob:200000:1000\n', 'bob:200000:65536\n');
  const [uid, gid] = await checkSubordinateIds(ctx('bob', 1002), f);
  assert.equal(uid?.status, 'warn');
  assert.match(uid?.detail ?? '', /smaller than 65536/);
  assert.equal(gid?.status, 'pass');
});

test('freeRange skips every overlapping range', () => {
  assert.deepEqual(freeRange([]), { start: 100000, end: 165535 });
  assert.deepEqual(
    freeRange([
      { owner: 'a', start: 100000, count: 65536 },
      { owner: 'b', start: 165536, count: 65536 },
    ]),
    { start: 262144, end: 327679 },
  );
});
