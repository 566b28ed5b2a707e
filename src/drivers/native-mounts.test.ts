import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitMountOptions } from './native-mounts.js';

test('mount(8) options split into MS_* flags and the file-system data, as mount(8) does', () => {
  assert.deepEqual(splitMountOptions(['lowerdir=/a:/b', 'upperdir=/u', 'workdir=/w', 'userxattr']), {
    flags: 0,
    data: 'lowerdir=/a:/b,upperdir=/u,workdir=/w,userxattr',
  });
  assert.deepEqual(splitMountOptions(['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536']), {
    flags: 0x2 | 0x8 | 0x4,
    data: 'mode=1777,size=65536',
  });
  // A later option wins, as in mount(8).
  assert.deepEqual(splitMountOptions(['ro', 'rw', 'volatile']), { flags: 0, data: 'volatile' });
});
