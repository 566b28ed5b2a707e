import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DockerQuery, parseDockerBool, parseFilters } from './query.js';

test('Docker booleans: 0, false, no, none and empty are false', () => {
  for (const v of ['', '0', 'false', 'FALSE', 'no', 'none', ' 0 '])
    assert.equal(parseDockerBool(v), false, v);
  for (const v of ['1', 'true', 'yes', 'anything']) assert.equal(parseDockerBool(v), true, v);
});

test('bool uses the fallback only when the key is absent', () => {
  const q = new DockerQuery('all=&stream=1');
  assert.equal(q.bool('all', true), false);
  assert.equal(q.bool('stream'), true);
  assert.equal(q.bool('missing', true), true);
});

test('int refuses non-numbers naming the key', () => {
  const q = new DockerQuery('t=10&bad=1x');
  assert.equal(q.int('t', 0), 10);
  assert.equal(q.int('none', 5), 5);
  assert.throws(() => q.int('bad'), /bad/);
});

test('filters accept the map form and the legacy list form', () => {
  assert.deepEqual(parseFilters('{"label":{"a=b":true,"c":true},"x":{"no":false}}'), {
    label: ['a=b', 'c'],
    x: [],
  });
  assert.deepEqual(parseFilters('{"type":["container","image"]}'), { type: ['container', 'image'] });
  assert.deepEqual(parseFilters(''), {});
  assert.deepEqual(parseFilters(undefined), {});
});

test('malformed filters are InvalidParameter', () => {
  for (const bad of ['{', '[]', '"x"', '{"a":1}', '{"a":[1]}']) {
    assert.throws(
      () => parseFilters(bad),
      (err: Error & { kind?: string }) => err.kind === 'InvalidParameter',
      bad,
    );
  }
});

test('repeated keys', () => {
  assert.deepEqual(DockerQuery.fromUrl('/system/df?type=image&type=volume').strings('type'), [
    'image',
    'volume',
  ]);
});
