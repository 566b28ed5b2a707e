import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParameter } from '../../errdefs/index.js';
import {
  familiarName,
  familiarString,
  isImageId,
  normalizedString,
  parseDockerRef,
  parseNormalizedNamed,
  withTag,
} from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

// input → [normalised, familiar] (parseNormalizedNamed, no default tag)
const valid: Array<[string, string, string]> = [
  ['busybox', 'docker.io/library/busybox', 'busybox'],
  ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
  ['library/busybox', 'docker.io/library/busybox', 'busybox'],
  ['docker.io/busybox', 'docker.io/library/busybox', 'busybox'],
  ['index.docker.io/library/busybox:latest', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['user/repo', 'docker.io/user/repo', 'user/repo'],
  ['user/repo/sub:t', 'docker.io/user/repo/sub:t', 'user/repo/sub:t'],
  ['docker.io/library/a/b', 'docker.io/library/a/b', 'library/a/b'],
  ['localhost/x', 'localhost/x', 'localhost/x'],
  ['localhost:5000/x:1', 'localhost:5000/x:1', 'localhost:5000/x:1'],
  [
    '127.0.0.1:5000/library/busybox:1.36',
    '127.0.0.1:5000/library/busybox:1.36',
    '127.0.0.1:5000/library/busybox:1.36',
  ],
  ['[::1]:5000/x:t', '[::1]:5000/x:t', '[::1]:5000/x:t'],
  ['registry.example.com/a/b', 'registry.example.com/a/b', 'registry.example.com/a/b'],
  ['Foo/bar', 'Foo/bar', 'Foo/bar'],
  ['REG.example.com/x', 'REG.example.com/x', 'REG.example.com/x'],
  ['a__b.c-d--e', 'docker.io/library/a__b.c-d--e', 'a__b.c-d--e'],
  [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
  [`busybox:1@${D}`, `docker.io/library/busybox:1@${D}`, `busybox:1@${D}`],
  [`127.0.0.1:5000/x@${D}`, `127.0.0.1:5000/x@${D}`, `127.0.0.1:5000/x@${D}`],
  ['x:Tag_1.2-3', 'docker.io/library/x:Tag_1.2-3', 'x:Tag_1.2-3'],
];

const invalid: Array<[string, string]> = [
  ['Busybox', 'invalid reference format: repository name (library/Busybox) must be lowercase'],
  ['foo/Bar', 'invalid reference format: repository name (foo/Bar) must be lowercase'],
  ['busybox:', 'invalid reference format'],
  [':tag', 'invalid reference format'],
  ['', 'invalid reference format'],
  ['-x', 'invalid reference format'],
  ['x___y', 'invalid reference format'],
  ['x/', 'invalid reference format'],
  ['busybox@sha256:abc', 'invalid reference format'],
  [`x:${'t'.repeat(129)}`, 'invalid reference format'],
  [`busybox@sha256:${'a'.repeat(32)}`, 'invalid checksum digest length'],
  [`busybox@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
  [`busybox@sha256:${'A'.repeat(64)}`, 'invalid checksum digest format'],
  ['a'.repeat(64), `invalid repository name (${'a'.repeat(64)}), cannot specify 64-byte hexadecimal strings`],
  [`example.com/${'a'.repeat(250)}`, 'repository name must not be more than 255 characters'],
];

for (const [input, normalised, familiar] of valid) {
  test(`parses ${JSON.stringify(input)}`, () => {
    const ref = parseNormalizedNamed(input);
    assert.equal(normalizedString(ref), normalised);
    assert.equal(familiarString(ref), familiar);
  });
}

for (const [input, message] of invalid) {
  test(`refuses ${JSON.stringify(input.slice(0, 40))}`, () => {
    assert.throws(
      () => parseNormalizedNamed(input),
      (err: unknown) => err instanceof InvalidParameter && err.message === message,
    );
  });
}

test('parseDockerRef adds latest and drops the tag when a digest is given', () => {
  assert.equal(normalizedString(parseDockerRef('busybox')), 'docker.io/library/busybox:latest');
  assert.equal(familiarString(parseDockerRef('busybox')), 'busybox:latest');
  assert.equal(normalizedString(parseDockerRef(`busybox:1@${D}`)), `docker.io/library/busybox@${D}`);
  assert.deepEqual(parseDockerRef('127.0.0.1:5000/a/b:c'), {
    domain: '127.0.0.1:5000',
    path: 'a/b',
    tag: 'c',
  });
});

test('familiarName and withTag', () => {
  const ref = parseNormalizedNamed('busybox:old');
  assert.equal(familiarName(ref), 'busybox');
  assert.equal(familiarString(withTag(ref, 'new')), 'busybox:new');
  assert.throws(() => withTag(ref, '-bad'), /invalid tag format/);
});

test('isImageId', () => {
  assert.equal(isImageId('b'.repeat(64)), true);
  assert.equal(isImageId(`sha256:${'b'.repeat(64)}`), true);
  assert.equal(isImageId('busybox'), false);
});
