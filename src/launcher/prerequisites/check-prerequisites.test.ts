import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockingFailures, checkPrerequisites } from './check-prerequisites.js';

const IDS = [
  'newuidmap',
  'subuid',
  'subgid',
  'userns',
  'native-overlay',
  'dev-fuse',
  'fuse-overlayfs',
  'runc',
  'conmon',
  'catatonit',
  'slirp4netns',
  'dev-net-tun',
  'firewall',
  'xdg-runtime-dir',
  'home-nfs',
  'cgroup',
  'linger',
];

test('every prerequisite is checked once, in a stable order, on this machine', async () => {
  const results = await checkPrerequisites();
  assert.deepEqual(
    results.map((r) => r.id),
    IDS,
  );
  for (const r of results) {
    assert.ok(['pass', 'warn', 'fail'].includes(r.status), r.id);
    assert.ok(r.detail.length > 0, r.id);
    if (r.status !== 'fail') assert.equal(r.blocksStart, false, `${r.id} blocks start without failing`);
  }
  assert.deepEqual(
    blockingFailures(results).map((r) => r.id),
    results.filter((r) => r.status === 'fail' && r.blocksStart).map((r) => r.id),
  );
});

test('the programs CI installs are found (their absence is a failure, not a skip)', async () => {
  const results = await checkPrerequisites();
  for (const id of ['runc', 'conmon', 'catatonit', 'slirp4netns', 'fuse-overlayfs', 'firewall', 'userns']) {
    const r = results.find((x) => x.id === id);
    assert.equal(r?.status, 'pass', `${id}: ${r?.detail}`);
  }
});
