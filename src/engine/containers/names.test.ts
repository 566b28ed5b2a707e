import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateName, newContainerId, normalizeName } from './names.js';

test('ids are 64 hex digits', () => {
  assert.match(newContainerId(), /^[0-9a-f]{64}$/);
});

test('generated names are adjective_surname and avoid taken ones', () => {
  const name = generateName(() => false);
  assert.match(name, /^[a-z]+_[a-z]+$/);
  const taken = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const n = generateName((x) => taken.has(x));
    assert.ok(!taken.has(`/${n}`));
    taken.add(`/${n}`);
  }
});

test('names get a leading slash; bad ones are refused with Docker text', () => {
  assert.equal(normalizeName('web'), '/web');
  assert.equal(normalizeName('/web'), '/web');
  assert.throws(
    () => normalizeName('a b'),
    /Invalid container name \(a b\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed/,
  );
});
