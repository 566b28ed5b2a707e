import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkApiVersion, compareApiVersions, pathnameOf, splitVersionedPath } from './api-version.js';

test('splits the version prefix', () => {
  assert.deepEqual(splitVersionedPath('/v1.43/containers/json'), {
    path: '/containers/json',
    version: '1.43',
    explicit: true,
  });
  assert.deepEqual(splitVersionedPath('/_ping'), { path: '/_ping', version: '1.51', explicit: false });
  assert.equal(splitVersionedPath('/volumes/v1.2').path, '/volumes/v1.2');
  assert.equal(splitVersionedPath('/v1.40').path, '/');
});

test('compares numerically', () => {
  assert.ok(compareApiVersions('1.9', '1.24') < 0);
  assert.ok(compareApiVersions('1.51', '1.5') > 0);
  assert.equal(compareApiVersions('1.24', '1.24'), 0);
});

test("Docker's messages outside the range", () => {
  assert.throws(() => checkApiVersion('1.99'), {
    message: 'client version 1.99 is too new. Maximum supported API version is 1.51',
  });
  assert.throws(() => checkApiVersion('1.12'), {
    message:
      'client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version',
  });
  checkApiVersion('1.24');
  checkApiVersion('1.51');
});

test('pathnameOf', () => {
  assert.equal(pathnameOf('http://d/v1.4/x?y=1'), '/v1.4/x');
  assert.equal(pathnameOf('http://d'), '/');
});
