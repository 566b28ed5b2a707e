import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Registry } from '../fixtures/registry.js';
import {
  type Daemon,
  docker,
  dockerJson,
  dockerOk,
  readTar,
  socketRequest,
  startDaemon,
  withDaemon,
} from '../helpers/index.js';
import { CI_DIR, makeUserDir } from '../helpers/test-user.js';

/** docker commit with the real CLI: the new layer runs, and history, save, push and pull see it. */

let d: Daemon;
let registry: Registry;
let bb: string;
let work: string;
const NET = ['--network', 'none'];

interface Inspect {
  Id: string;
  Parent: string;
  Comment: string;
  Author: string;
  RootFS: { Layers: string[] };
  Config: { Env: string[]; Cmd: string[] | null; Labels: Record<string, string> | null; WorkingDir: string };
}

const inspect = async (ref: string) =>
  (await dockerJson<Inspect[]>(d, ['image', 'inspect', ref]))[0] as Inspect;
const run = (image: string, script: string) =>
  dockerOk(d, ['run', '--rm', ...NET, image, 'sh', '-c', script]);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

withDaemon({ images: ['busybox'] }, (env) => {
  d = env.daemon;
  registry = env.registry;
  bb = env.image('busybox');
  work = makeUserDir(d.user, CI_DIR, 'commit-');
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docker commit', () => {
  const img1 = 'commit-test/one:v1';
  const img2 = 'commit-test/two:v1';
  let base: Inspect;

  test('commits a stopped container with changes, author and message', async () => {
    base = await inspect(bb);
    const c1 = (
      await dockerOk(d, [
        'create',
        ...NET,
        bb,
        'sh',
        '-c',
        'mkdir -p /data/sub && echo a > /data/sub/f && echo keep > /data/keep && ln -s keep /data/link && echo x > /data/torepl && chown 1234:5678 /data/keep',
      ])
    ).trim();
    await dockerOk(d, ['start', '-a', c1]);
    const id = (
      await dockerOk(d, [
        'commit',
        '-a',
        'Jane <jane@example.org>',
        '-m',
        'first commit',
        '-c',
        'ENV FOO=bar',
        '-c',
        'CMD ["cat", "/data/keep"]',
        '-c',
        'LABEL team=blue',
        '-c',
        'WORKDIR /data',
        c1,
        img1,
      ])
    ).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    const i = await inspect(img1);
    assert.equal(i.Id, id);
    assert.equal(i.Parent, base.Id);
    assert.equal(i.Comment, 'first commit');
    assert.equal(i.Author, 'Jane <jane@example.org>');
    assert.deepEqual(i.RootFS.Layers.slice(0, -1), base.RootFS.Layers);
    assert.equal(i.RootFS.Layers.length, base.RootFS.Layers.length + 1);
    assert.ok(i.Config.Env.includes('FOO=bar'), i.Config.Env.join(','));
    assert.deepEqual(i.Config.Cmd, ['cat', '/data/keep']);
    assert.equal(i.Config.Labels?.team, 'blue');
    assert.equal(i.Config.WorkingDir, '/data');
    assert.equal(await dockerOk(d, ['run', '--rm', ...NET, img1]), 'keep\n');
    assert.equal(
      await run(img1, 'echo $FOO; pwd; stat -c %u:%g keep; readlink link'),
      'bar\n/data\n1234:5678\nkeep\n',
    );
    // The image id is the digest of the config blob, as Docker computes it.
    const history = await dockerOk(d, [
      'history',
      '--no-trunc',
      '--format',
      '{{.CreatedBy}}|{{.Comment}}|{{.Size}}',
      img1,
    ]);
    const lines = history.trim().split('\n');
    assert.match(lines[0] ?? '', /^sh -c mkdir -p \/data\/sub.*\|first commit\|\d/);
    // The commit's layer is sized on the commit's own line, not on the base image's CMD entry.
    assert.doesNotMatch(lines[0] ?? '', /\|0B$/, history);
    assert.match(lines.find((l) => l.includes('CMD')) ?? '', /\|0B$/, history);
    await dockerOk(d, ['rm', c1]);
  });

  test('deletions, a file replaced by a directory and an opaque directory survive a second commit', async () => {
    const cid = (
      await dockerOk(d, [
        'create',
        ...NET,
        img1,
        'sh',
        '-c',
        'rm /data/torepl && mkdir /data/torepl && echo in > /data/torepl/x && rm /data/link && rm -rf /data/sub && mkdir /data/sub && echo new > /data/sub/g',
      ])
    ).trim();
    await dockerOk(d, ['start', '-a', cid]);
    const diff = await dockerOk(d, ['diff', cid]);
    assert.match(diff, /D \/data\/link/);
    await dockerOk(d, ['commit', cid, img2]);
    const i = await inspect(img2);
    assert.equal(i.RootFS.Layers.length, base.RootFS.Layers.length + 2);
    assert.deepEqual(i.Config.Cmd, [
      'sh',
      '-c',
      'rm /data/torepl && mkdir /data/torepl && echo in > /data/torepl/x && rm /data/link && rm -rf /data/sub && mkdir /data/sub && echo new > /data/sub/g',
    ]);
    const out = await run(
      img2,
      'test -d /data/torepl && cat /data/torepl/x; test -e /data/link || echo nolink; ls /data/sub; cat /data/keep',
    );
    assert.equal(out, 'in\nnolink\ng\nkeep\n');
    await dockerOk(d, ['rm', cid]);
  });

  test('a running container is committed (pause is not available: it is committed as it runs)', async () => {
    const c = (
      await dockerOk(d, ['run', '-d', ...NET, bb, 'sh', '-c', 'echo live > /live; sleep 600'])
    ).trim();
    try {
      await dockerOk(d, ['exec', c, 'test', '-e', '/live']);
      const id = (await dockerOk(d, ['commit', c])).trim();
      assert.equal(await run(id, 'cat /live'), 'live\n');
      const untagged = await inspect(id);
      assert.equal(untagged.RootFS.Layers.length, base.RootFS.Layers.length + 1);
    } finally {
      await docker(d, ['rm', '-f', c]);
    }
  });

  test('a container without changes commits an empty layer (no new rootfs layer)', async () => {
    const c = (await dockerOk(d, ['create', ...NET, bb, 'true'])).trim();
    await dockerOk(d, ['start', '-a', c]);
    const id = (await dockerOk(d, ['commit', '-c', 'EXPOSE 8080', c])).trim();
    const i = await inspect(id);
    assert.deepEqual(i.RootFS.Layers, base.RootFS.Layers);
    const top = (await dockerOk(d, ['history', '--format', '{{.Size}}', id])).split('\n')[0];
    assert.equal(top, '0B');
    await dockerOk(d, ['rm', c]);
  });

  test('docker save carries the new layer blob', async () => {
    const archive = join(work, 'two.tar');
    await dockerOk(d, ['save', '-o', archive, img2]);
    const files = await readTar(archive);
    const manifest = JSON.parse(String(files.get('manifest.json'))) as { Layers: string[]; Config: string }[];
    const layers = manifest[0]?.Layers ?? [];
    assert.equal(layers.length, base.RootFS.Layers.length + 2);
    for (const l of layers) {
      const data = files.get(l);
      assert.ok(data, l);
      assert.equal(sha(data), `sha256:${l.split('/').at(-1)}`, l);
    }
    // As Docker's image.NewChildImage: the container's id and its own config are recorded.
    const config = JSON.parse(String(files.get(manifest[0]?.Config ?? ''))) as {
      container?: string;
      container_config?: { Cmd?: string[] };
      config?: { Cmd?: string[] };
    };
    assert.match(config.container ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(config.container_config?.Cmd?.slice(0, 2), ['sh', '-c']);
    assert.match(config.container_config?.Cmd?.[2] ?? '', /^rm \/data\/torepl/);
  });

  test('push to the registry and pull back: same digest, same content', async () => {
    const target = `${registry.host}/commit/two:v1`;
    await dockerOk(d, ['tag', img2, target]);
    const out = await dockerOk(d, ['push', target]);
    const m = /v1: digest: (sha256:[0-9a-f]{64})/.exec(out);
    assert.ok(m, out);
    const id = (await inspect(img2)).Id;
    await dockerOk(d, ['rmi', target]);
    await dockerOk(d, ['rmi', img2]);
    await dockerOk(d, ['rmi', img1]);
    const pulled = await dockerOk(d, ['pull', target]);
    assert.ok(pulled.includes(`Digest: ${m[1]}`), pulled);
    assert.equal((await inspect(target)).Id, id);
    assert.equal(await run(target, 'cat /data/torepl/x; ls /data/sub'), 'in\ng\n');
  });

  test('errors and the commit event', async () => {
    const missing = await docker(d, ['commit', 'no-such-container']);
    assert.notEqual(missing.exitCode, 0);
    assert.match(missing.stderr, /No such container: no-such-container/);
    const c = (await dockerOk(d, ['create', '--name', 'commit-ev', ...NET, bb, 'true'])).trim();
    const bad = await docker(d, ['commit', '-c', 'RUN echo hi', c]);
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr, /run is not a valid change command/);
    const raw = await socketRequest(d.socket, '/v1.45/commit?container=nope', { method: 'POST' });
    assert.equal(raw.status, 404);
    const since = Math.floor(Date.now() / 1000) - 1;
    const id = (await dockerOk(d, ['commit', '-m', 'ev', c, 'commit-test/ev:1'])).trim();
    const until = Math.floor(Date.now() / 1000) + 1;
    const ev = await dockerOk(d, [
      'events',
      '--since',
      String(since),
      '--until',
      String(until),
      '--filter',
      'event=commit',
      '--filter',
      'container=commit-ev',
      '--format',
      '{{.Type}} {{.Actor.Attributes.name}} {{.Actor.Attributes.imageID}} {{.Actor.Attributes.imageRef}} {{.Actor.Attributes.comment}}',
    ]);
    assert.equal(ev.trim(), `container commit-ev ${id} commit-test/ev:1 ev`);
    const ok = await socketRequest(d.socket, `/v1.45/commit?container=commit-ev&pause=0`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ Cmd: ['echo', 'from-body'], Env: ['A=1'] }),
    });
    assert.equal(ok.status, 201, ok.body);
    const body = JSON.parse(ok.body) as { Id: string };
    assert.equal(await dockerOk(d, ['run', '--rm', ...NET, body.Id]), 'from-body\n');
    await dockerOk(d, ['rm', c]);
  });
});

describe('docker commit on the other storage drivers', () => {
  test('fuse-overlayfs: whiteouts and opaque directories come out of its upper dir', async () => {
    const f = await startDaemon({ daemonJson: { 'storage-driver': 'fuse-overlayfs' } });
    try {
      const driver = (await dockerOk(f, ['info', '--format', '{{.Driver}}'])).trim();
      assert.equal(driver, 'fuse-overlayfs');
      await dockerOk(f, ['pull', bb]);
      const c1 = (
        await dockerOk(f, [
          'create',
          ...NET,
          bb,
          'sh',
          '-c',
          'mkdir -p /d/sub && echo a > /d/sub/f && echo b > /d/gone',
        ])
      ).trim();
      await dockerOk(f, ['start', '-a', c1]);
      await dockerOk(f, ['commit', c1, 'fuse/one']);
      const c2 = (
        await dockerOk(f, [
          'create',
          ...NET,
          'fuse/one',
          'sh',
          '-c',
          'rm /d/gone && rm -rf /d/sub && mkdir /d/sub && echo new > /d/sub/g',
        ])
      ).trim();
      await dockerOk(f, ['start', '-a', c2]);
      await dockerOk(f, ['commit', c2, 'fuse/two']);
      const out = await dockerOk(f, ['run', '--rm', ...NET, 'fuse/two', 'sh', '-c', 'ls /d; ls /d/sub']);
      assert.equal(out, 'sub\ng\n');
    } finally {
      await f.stop();
    }
  });

  test('vfs: the diff is found by comparing the container with its image', async () => {
    const v = await startDaemon({ daemonJson: { 'storage-driver': 'vfs' } });
    try {
      assert.equal((await dockerOk(v, ['info', '--format', '{{.Driver}}'])).trim(), 'vfs');
      await dockerOk(v, ['pull', bb]);
      const c1 = (
        await dockerOk(v, [
          'create',
          ...NET,
          bb,
          'sh',
          '-c',
          'mkdir -p /d/sub && echo a > /d/sub/f && echo b > /d/gone',
        ])
      ).trim();
      await dockerOk(v, ['start', '-a', c1]);
      await dockerOk(v, ['commit', c1, 'vfs/one']);
      const c2 = (
        await dockerOk(v, [
          'create',
          ...NET,
          'vfs/one',
          'sh',
          '-c',
          'rm /d/gone && rm -rf /d/sub && echo file > /d/sub && rm /bin/true',
        ])
      ).trim();
      await dockerOk(v, ['start', '-a', c2]);
      await dockerOk(v, ['commit', c2, 'vfs/two']);
      const out = await dockerOk(v, [
        'run',
        '--rm',
        ...NET,
        'vfs/two',
        'sh',
        '-c',
        'ls /d; cat /d/sub; test -e /bin/true || echo notrue',
      ]);
      assert.equal(out, 'sub\nfile\nnotrue\n');
      const layers =
        (await dockerJson<Inspect[]>(v, ['image', 'inspect', 'vfs/two']))[0]?.RootFS.Layers ?? [];
      const baseLayers = (await dockerJson<Inspect[]>(v, ['image', 'inspect', bb]))[0]?.RootFS.Layers ?? [];
      assert.equal(layers.length, baseLayers.length + 2);
    } finally {
      await v.stop();
    }
  });
});
