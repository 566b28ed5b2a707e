import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCgroupFacts } from './cgroup-delegation.js';

const HYBRID = [
  '30 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw',
  '32 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
].join('\n');

const UNIFIED = '30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n';

test('hybrid mode is recognised', () => {
  const facts = parseCgroupFacts(HYBRID, '4:memory:/x\n0::/user.slice\n');
  assert.deepEqual(facts, { v2Mount: '/sys/fs/cgroup/unified', v1Mounted: true, v2Path: '/user.slice' });
});

test('unified mode with the user service path', () => {
  const facts = parseCgroupFacts(
    UNIFIED,
    '0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n',
  );
  assert.equal(facts.v1Mounted, false);
  assert.equal(facts.v2Mount, '/sys/fs/cgroup');
  assert.equal(facts.v2Path, '/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope');
});

test('escaped mount points are unescaped', () => {
  const facts = parseCgroupFacts('1 0 0:1 / /cg\\040v2 rw - cgroup2 none rw\n', '0::/\n');
  assert.equal(facts.v2Mount, '/cg v2');
});
