import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVersionOutput } from './component-versions.js';

test('runc', () => {
  const out =
    'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\nlibseccomp: 2.5.4\n';
  const p = parseVersionOutput('runc', out);
  assert.equal(p.version, '1.1.5+ds1');
  assert.equal(p.details.commit, '1.1.5+ds1-1+deb12u1');
  assert.equal(p.details.libseccomp, '2.5.4');
});

test('conmon and slirp4netns', () => {
  assert.equal(parseVersionOutput('conmon', 'conmon version 2.1.6\ncommit: unknown\n').version, '2.1.6');
  const s = parseVersionOutput(
    'slirp4netns',
    'slirp4netns version 1.2.0\ncommit: 656041d\nlibslirp: 4.7.0\n',
  );
  assert.equal(s.version, '1.2.0');
  assert.equal(s.details.commit, '656041d');
});

test('fuse-overlayfs after the fusermount line', () => {
  const out = 'fusermount3 version: 3.14.0\nfuse-overlayfs: version 1.10\nFUSE library version 3.14.0\n';
  assert.equal(parseVersionOutput('fuse-overlayfs', out).version, '1.10');
});

test('nothing recognisable', () => {
  assert.equal(parseVersionOutput('x', 'hello').version, undefined);
});
