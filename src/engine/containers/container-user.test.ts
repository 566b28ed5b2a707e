import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveUser } from './container-user.js';

async function rootfs(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'user-'));
  await mkdir(join(dir, 'etc'));
  return dir;
}

test('resolveUser reads the image passwd and group', async () => {
  const dir = await rootfs();
  try {
    await writeFile(
      join(dir, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n',
    );
    await writeFile(join(dir, 'etc/group'), 'root:x:0:\napp:x:1000:\nwheel:x:10:root,app\n');
    assert.deepEqual(await resolveUser(dir, ''), { uid: 0, gid: 0, additionalGids: [10], home: '/root' });
    assert.deepEqual(await resolveUser(dir, 'app'), {
      uid: 1000,
      gid: 1000,
      additionalGids: [10],
      home: '/home/app',
    });
    // A large file goes through the thread pool, with the same result.
    await writeFile(
      join(dir, 'etc/group'),
      `${'#'.repeat(300 * 1024)}\nroot:x:0:\napp:x:1000:\nwheel:x:10:root,app\n`,
    );
    assert.deepEqual(await resolveUser(dir, 'app'), {
      uid: 1000,
      gid: 1000,
      additionalGids: [10],
      home: '/home/app',
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('resolveUser: a FIFO as /etc/passwd counts as empty instead of blocking', async () => {
  const dir = await rootfs();
  try {
    execFileSync('mkfifo', [join(dir, 'etc/passwd')]);
    assert.deepEqual(await resolveUser(dir, '0:0'), { uid: 0, gid: 0, additionalGids: [], home: '/' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
