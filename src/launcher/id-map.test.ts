import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeIdMap, formatIdMap, normaliseProcIdMap, ROOT_DEFAULT_RANGE } from './id-map.js';

const range = { start: 100000, count: 65536 };

test('a user with ranges maps 0 to itself and 1… to the range', () => {
  const plan = computeIdMap({ uid: 1001, gid: 1001, subuid: range, subgid: range });
  assert.equal(plan.idMap.mode, 'range');
  assert.equal(plan.warning, undefined);
  assert.equal(formatIdMap(plan.idMap.uids), '0 1001 1\n1 100000 65536');
  assert.equal(formatIdMap(plan.idMap.gids), '0 1001 1\n1 100000 65536');
});

test('without a subgid range the map falls back to single-id mode with a warning', () => {
  const plan = computeIdMap({ uid: 1001, gid: 1002, subuid: range, subgid: undefined });
  assert.equal(plan.idMap.mode, 'single');
  assert.deepEqual(plan.idMap.uids, [{ inside: 0, outside: 1001, size: 1 }]);
  assert.deepEqual(plan.idMap.gids, [{ inside: 0, outside: 1002, size: 1 }]);
  assert.match(plan.warning ?? '', /single-id mode.*\/etc\/subgid/);
});

test('root never maps to real root: its own range, else the default range', () => {
  const own = computeIdMap({ uid: 0, gid: 0, subuid: range, subgid: range });
  assert.deepEqual(own.idMap.uids, [{ inside: 0, outside: 100000, size: 65536 }]);
  assert.equal(own.warning, undefined);
  const dflt = computeIdMap({ uid: 0, gid: 0, subuid: undefined, subgid: undefined });
  assert.deepEqual(dflt.idMap.uids, [
    { inside: 0, outside: ROOT_DEFAULT_RANGE.start, size: ROOT_DEFAULT_RANGE.count },
  ]);
  assert.ok(dflt.idMap.uids.every((r) => r.outside > 0));
  assert.match(dflt.warning ?? '', /default range/);
});

test('normaliseProcIdMap reads the kernel padded columns', () => {
  const proc = '         0       1001          1\n         1     100000      65536\n';
  assert.equal(normaliseProcIdMap(proc), '0 1001 1\n1 100000 65536');
});
