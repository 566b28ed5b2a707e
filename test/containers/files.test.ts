import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type Daemon, docker, dockerOk, dockerode, withDaemon } from '../helpers/index.js';
import { CI_DIR, makeUserDir } from '../helpers/test-user.js';

/** docker cp (both ways, symlink escapes), export and diff with the real docker CLI. */

let d: Daemon;
let bb: string;
let work: string;
let running: string;
const NET = ['--network', 'none'];

/** Writes a file the test user (who runs the CLI) owns. */
function userFile(path: string, content: string): void {
  writeFileSync(path, content);
  chownSync(path, d.user.uid, d.user.gid);
}

function userDir(path: string): void {
  mkdirSync(path, { recursive: true });
  chownSync(path, d.user.uid, d.user.gid);
}

withDaemon(
  {
    images: ['busybox'],
    teardown: async () => {
      if (running) await docker(d, ['rm', '-f', running]);
    },
  },
  async (env) => {
    d = env.daemon;
    bb = env.image('busybox');
    work = makeUserDir(d.user, CI_DIR, 'cp-');
    running = (await dockerOk(d, ['run', '-d', ...NET, bb, 'sleep', '600'])).trim();
  },
);
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docker cp', () => {
  test('copies a file into a running container and back', async () => {
    const src = join(work, 'hello.txt');
    userFile(src, 'hello from the host\n');
    await dockerOk(d, ['cp', src, `${running}:/tmp/hello.txt`]);
    assert.equal(await dockerOk(d, ['exec', running, 'cat', '/tmp/hello.txt']), 'hello from the host\n');
    const back = join(work, 'back.txt');
    await dockerOk(d, ['cp', `${running}:/tmp/hello.txt`, back]);
    assert.equal(readFileSync(back, 'utf8'), 'hello from the host\n');
  });

  test('copies a directory both ways', async () => {
    const dir = join(work, 'tree');
    userDir(join(dir, 'sub'));
    userFile(join(dir, 'a.txt'), 'A');
    userFile(join(dir, 'sub', 'b.txt'), 'B');
    await dockerOk(d, ['cp', dir, `${running}:/tmp/`]);
    assert.equal(await dockerOk(d, ['exec', running, 'cat', '/tmp/tree/a.txt', '/tmp/tree/sub/b.txt']), 'AB');
    const out = join(work, 'out');
    userDir(out);
    await dockerOk(d, ['cp', `${running}:/tmp/tree`, out]);
    assert.equal(readFileSync(join(out, 'tree', 'sub', 'b.txt'), 'utf8'), 'B');
    // `/.` copies the directory's contents.
    const flat = join(work, 'flat');
    await dockerOk(d, ['cp', `${running}:/tmp/tree/.`, flat]);
    assert.equal(readFileSync(join(flat, 'a.txt'), 'utf8'), 'A');
  });

  test('copies out of a stopped container', async () => {
    const id = (await dockerOk(d, ['create', ...NET, bb, 'true'])).trim();
    try {
      const out = join(work, 'stopped-passwd');
      await dockerOk(d, ['cp', `${id}:/etc/passwd`, out]);
      assert.match(readFileSync(out, 'utf8'), /^root:/);
      const src = join(work, 'into-stopped.txt');
      userFile(src, 'while stopped');
      await dockerOk(d, ['cp', src, `${id}:/into-stopped.txt`]);
      const back = join(work, 'into-stopped-back.txt');
      await dockerOk(d, ['cp', `${id}:/into-stopped.txt`, back]);
      assert.equal(readFileSync(back, 'utf8'), 'while stopped');
    } finally {
      await docker(d, ['rm', '-f', id]);
    }
  });

  test('a missing path is a 404 naming the path', async () => {
    const r = await docker(d, ['cp', `${running}:/no/such/file`, join(work, 'x')]);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /Could not find the file \/no\/such\/file in container/);
  });

  test('symlinks are resolved inside the container, never on the host', async () => {
    const marker = 'rootlessd-container-passwd-marker';
    await dockerOk(d, [
      'exec',
      running,
      'sh',
      '-c',
      `ln -s / /escape && ln -s ../../../../../ /tmp/up && echo ${marker}:x:9:9::/:/bin/sh >> /etc/passwd`,
    ]);
    for (const path of ['/escape/etc/passwd', '/tmp/up/etc/passwd']) {
      const out = join(work, `esc-${path.split('/')[1]}`);
      await dockerOk(d, ['cp', `${running}:${path}`, out]);
      const text = readFileSync(out, 'utf8');
      assert.match(text, new RegExp(marker), `${path} must be the container's passwd`);
      assert.notEqual(text, readFileSync('/etc/passwd', 'utf8'));
    }
    const name = `rootlessd-escape-${process.pid}-${Date.now()}`;
    const src = join(work, 'escape-src');
    userFile(src, 'inside only');
    await dockerOk(d, ['cp', src, `${running}:/escape/tmp/${name}`]);
    await dockerOk(d, ['cp', src, `${running}:/tmp/up/tmp/${name}-2`]);
    assert.equal(
      await dockerOk(d, ['exec', running, 'cat', `/tmp/${name}`, `/tmp/${name}-2`]),
      'inside onlyinside only',
    );
    assert.equal(existsSync(`/tmp/${name}`), false);
    assert.equal(existsSync(`/tmp/${name}-2`), false);
  });
});

describe('archive stat (HEAD)', () => {
  test('answers name, Go file mode and the link target resolved inside the container', async () => {
    await docker(d, ['exec', running, 'sh', '-c', 'ln -sf /etc /etc-link']);
    const c = dockerode(d).getContainer(running);
    const stat = async (path: string) => {
      const res = (await c.infoArchive({ path })) as { headers: Record<string, string>; resume(): void };
      res.resume();
      const raw = res.headers['x-docker-container-path-stat'] ?? '';
      return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as {
        name: string;
        mode: number;
        linkTarget: string;
      };
    };
    const dir = await stat('/etc');
    assert.equal(dir.name, 'etc');
    assert.ok(dir.mode >= 2 ** 31, `directory bit in ${dir.mode}`);
    const link = await stat('/etc-link');
    assert.equal(link.linkTarget, '/etc');
    assert.ok(Math.floor(link.mode / 2 ** 27) % 2 === 1, `symlink bit in ${link.mode}`);
  });
});

describe('docker export and diff', () => {
  test('export is a tar of the whole root filesystem', async () => {
    const file = join(work, 'export.tar');
    await dockerOk(d, ['export', '-o', file, running]);
    const names = execFileSync('tar', ['-tf', file], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
    assert.ok(names.includes('bin/busybox'), names.slice(0, 20).join(' '));
    assert.ok(names.includes('etc/passwd'));
    // A stopped container's rootfs is mounted for the export, then released.
    const id = (await dockerOk(d, ['create', ...NET, bb, 'true'])).trim();
    try {
      const stopped = join(work, 'export-stopped.tar');
      await dockerOk(d, ['export', '-o', stopped, id]);
      assert.match(execFileSync('tar', ['-tf', stopped], { encoding: 'utf8' }), /^bin\/busybox$/m);
      await dockerOk(d, ['start', id]);
    } finally {
      await docker(d, ['rm', '-f', id]);
    }
  });

  test('diff lists added, changed and deleted paths', async () => {
    const id = (
      await dockerOk(d, [
        'run',
        '-d',
        ...NET,
        bb,
        'sh',
        '-c',
        'touch /added; rm /bin/ls; echo x >> /etc/group; sleep 600',
      ])
    ).trim();
    try {
      let out = '';
      for (let i = 0; i < 50 && !out.includes('/bin/ls'); i++) {
        out = await dockerOk(d, ['diff', id]);
        if (!out.includes('/bin/ls')) await new Promise((r) => setTimeout(r, 100));
      }
      const lines = out.trim().split('\n');
      assert.ok(lines.includes('A /added'), out);
      assert.ok(lines.includes('D /bin/ls'), out);
      assert.ok(lines.includes('C /etc/group'), out);
      assert.ok(lines.includes('C /etc'), out);
      assert.ok(!lines.includes('A /etc/hosts') && !lines.includes('A /etc/hostname'), out);
    } finally {
      await docker(d, ['rm', '-f', id]);
    }
  });
});
