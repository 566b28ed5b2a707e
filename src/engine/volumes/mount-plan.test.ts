import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBind, parseMount, parseVolumesFrom, planMounts } from './mount-plan.js';

test('Binds: host paths, named volumes, modes', () => {
  const b = parseBind('/srv/x:/x:ro,rshared');
  assert.equal(b.type, 'bind');
  assert.equal(b.rw, false);
  assert.equal(b.propagation, 'rshared');
  const v = parseBind('data:/data:z');
  assert.equal(v.type, 'volume');
  assert.equal(v.source, 'data');
  assert.equal(v.rw, true);
  assert.throws(() => parseBind('data:rel'), /destination must be an absolute path/);
  assert.throws(() => parseBind('/a:/b:bogus'), /invalid mode: bogus/);
});

test('Mounts: bind, volume, tmpfs with Docker messages', () => {
  assert.equal(parseMount({ Type: 'bind', Source: '/a', Target: '/b', ReadOnly: true }).rw, false);
  const v = parseMount({
    Type: 'volume',
    Source: 'v',
    Target: '/v',
    VolumeOptions: { NoCopy: true, Subpath: 'sub' },
  });
  assert.equal(v.noCopy, true);
  assert.equal(v.subpath, 'sub');
  assert.throws(
    () => parseMount({ Type: 'volume', Source: 'v', Target: '/v', VolumeOptions: { Subpath: '../x' } }),
    /subpath/,
  );
  const t = parseMount({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024, Mode: 0o1777 } });
  assert.deepEqual(t.tmpfsOptions, ['size=1024', 'mode=1777']);
  assert.throws(
    () => parseMount({ Type: 'tmpfs', Target: '/t', Source: 'x' }),
    /field Source must not be specified/,
  );
  assert.throws(() => parseMount({ Type: 'weird', Target: '/t' }), /mount type unknown/);
});

test('image volumes become anonymous unless covered; duplicates are rejected', () => {
  const plan = planMounts(['named:/data'], [], { '/data': {}, '/cache/': {} });
  assert.deepEqual(
    plan.map((p) => [p.type, p.source, p.destination]),
    [
      ['volume', 'named', '/data'],
      ['volume', '', '/cache'],
    ],
  );
  assert.throws(
    () => planMounts(['/a:/x'], [{ Type: 'tmpfs', Target: '/x' }], undefined),
    /Duplicate mount point: \/x/,
  );
});

test('VolumesFrom: parsed as Docker; inherited mounts give way to Binds and Mounts', () => {
  assert.deepEqual(parseVolumesFrom('data'), { container: 'data', readOnly: false });
  assert.deepEqual(parseVolumesFrom('data:ro'), { container: 'data', readOnly: true });
  assert.deepEqual(parseVolumesFrom('data:rw,z'), { container: 'data', readOnly: false });
  assert.throws(() => parseVolumesFrom('data:bogus'), /invalid mode for volumes-from: bogus/);
  assert.throws(() => parseVolumesFrom(''), /volumes-from specification cannot be an empty string/);
  const inherited = planMounts(['v1:/a', '/host:/b'], [], undefined);
  const planned = planMounts(['v2:/b'], [], { '/a': {}, '/c': {} }, inherited);
  assert.deepEqual(
    planned.map((p) => [p.destination, p.type, p.source]),
    [
      ['/a', 'volume', 'v1'],
      ['/b', 'volume', 'v2'],
      ['/c', 'volume', ''],
    ],
  );
});
