import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Registry } from '../fixtures/registry.js';
import {
  type Daemon,
  docker,
  dockerOk,
  readTar,
  socketRequest,
  tarOf,
  withDaemon,
} from '../helpers/index.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('docker push, save, load, import', () => {
  let registry: Registry;
  let daemon: Daemon;
  let ref: string;
  let digest: string;
  let work: string;

  withDaemon({ images: ['busybox'] }, (env) => {
    daemon = env.daemon;
    registry = env.registry;
    digest = env.digest('busybox');
    ref = `${registry.host}/library/busybox`;
    work = mkdtempSync(join(tmpdir(), 'rlt-transfer-'));
    chmodSync(work, 0o777);
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('push to another repository mounts the layer; pulling back gives the same digest', async () => {
    const target = `${registry.host}/other/box:v1`;
    await dockerOk(daemon, ['tag', ref, target]);
    const out = await dockerOk(daemon, ['push', target]);
    assert.match(out, new RegExp(`The push refers to repository \\[${registry.host}/other/box\\]`));
    assert.match(out, /Mounted from library\/busybox|Layer already exists|Pushed/);
    const m = /v1: digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(out);
    assert.ok(m, out);
    assert.equal(m[1], digest, 'the original manifest is pushed unchanged');
    const res = await fetch(`${registry.url}/v2/other/box/manifests/v1`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(res.headers.get('docker-content-digest'), m[1]);
    const again = await dockerOk(daemon, ['push', target]);
    assert.match(again, /Layer already exists/);
    await dockerOk(daemon, ['rmi', target]);
    const pulled = await dockerOk(daemon, ['pull', target]);
    assert.ok(pulled.includes(`Digest: ${m[1]}`), pulled);
    const missing = await docker(daemon, ['push', `${registry.host}/nope/none:v1`]);
    assert.notEqual(missing.exitCode, 0);
    assert.match(missing.stderr, /An image does not exist locally with the tag/);
  });

  test('docker save writes an OCI layout plus manifest.json; docker load reads it back', async () => {
    const id = (await dockerOk(daemon, ['image', 'inspect', '-f', '{{.Id}}', ref])).trim();
    const archive = join(work, 'busybox.tar');
    await dockerOk(daemon, ['save', '-o', archive, `${ref}:latest`]);
    const files = await readTar(archive);
    for (const name of ['manifest.json', 'repositories', 'index.json', 'oci-layout'])
      assert.ok(files.has(name), `${name} in ${[...files.keys()].join(', ')}`);
    for (const [name, data] of files) {
      const b = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
      if (b) assert.equal(sha(data), `sha256:${b[1]}`, name);
    }
    const manifest = JSON.parse(String(files.get('manifest.json'))) as {
      Config: string;
      RepoTags: string[];
      Layers: string[];
    }[];
    assert.equal(manifest.length, 1);
    assert.equal(manifest[0]?.Config, `blobs/sha256/${id.slice(7)}`);
    assert.deepEqual(manifest[0]?.RepoTags, [`${ref}:latest`]);
    for (const l of manifest[0]?.Layers ?? []) assert.ok(files.has(l), l);
    const index = JSON.parse(String(files.get('index.json'))) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    assert.equal(index.manifests[0]?.digest, digest);
    assert.equal(index.manifests[0]?.annotations?.['io.containerd.image.name'], `${ref}:latest`);
    const repositories = JSON.parse(String(files.get('repositories'))) as Record<
      string,
      Record<string, string>
    >;
    assert.ok(repositories[ref]?.latest);

    await dockerOk(daemon, ['rmi', '-f', id]);
    const loaded = await dockerOk(daemon, ['load', '-i', archive]);
    assert.match(loaded, new RegExp(`Loaded image: ${ref}:latest`));
    assert.equal((await dockerOk(daemon, ['image', 'inspect', '-f', '{{.Id}}', ref])).trim(), id);
    // Loading it again is a no-op that still names it.
    assert.match(
      await dockerOk(daemon, ['load', '-q', '-i', archive]),
      new RegExp(`Loaded image: ${ref}:latest`),
    );
  });

  test('load with quiet=0 streams Docker\'s "Loading layer" progress; the default is quiet', async () => {
    const id = (await dockerOk(daemon, ['image', 'inspect', '-f', '{{.Id}}', ref])).trim();
    const diffId = (
      await dockerOk(daemon, ['image', 'inspect', '-f', '{{index .RootFS.Layers 0}}', ref])
    ).trim();
    const archive = join(work, 'progress.tar');
    await dockerOk(daemon, ['save', '-o', archive, `${ref}:latest`]);
    const body = readFileSync(archive);
    const load = async (query: string) => {
      const r = await socketRequest(daemon.socket, `/images/load${query}`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-tar' },
        timeoutMs: 60_000,
      });
      assert.equal(r.status, 200, r.body);
      return r.body
        .split(/\r?\n/)
        .filter((l) => l.trim())
        .map(
          (l) =>
            JSON.parse(l) as {
              status?: string;
              id?: string;
              stream?: string;
              progress?: string;
              progressDetail?: { current?: number; total?: number };
            },
        );
    };
    await dockerOk(daemon, ['rmi', '-f', id]);
    const lines = await load('?quiet=0');
    const progress = lines.filter((l) => l.status === 'Loading layer');
    assert.ok(progress.length > 0, JSON.stringify(lines));
    for (const p of progress) {
      assert.equal(p.id, diffId.slice(7, 19));
      assert.ok(p.progress?.includes('/'), JSON.stringify(p));
      assert.ok((p.progressDetail?.total ?? 0) > 0, JSON.stringify(p));
    }
    const last = progress.at(-1)!;
    assert.equal(last.progressDetail?.current, last.progressDetail?.total);
    assert.equal(lines.at(-1)?.stream, `Loaded image: ${ref}:latest\n`);
    // The default (no quiet parameter) is quiet, as Docker's.
    await dockerOk(daemon, ['rmi', '-f', id]);
    const quiet = await load('');
    assert.deepEqual(quiet, [{ stream: `Loaded image: ${ref}:latest\n` }]);
    assert.equal((await dockerOk(daemon, ['image', 'inspect', '-f', '{{.Id}}', ref])).trim(), id);
  });

  test('docker load reads a pure OCI layout and a legacy docker-archive', async () => {
    const id = (await dockerOk(daemon, ['image', 'inspect', '-f', '{{.Id}}', ref])).trim();
    const files = await readTar(join(work, 'busybox.tar'));
    const oci: Record<string, Buffer> = {};
    for (const [name, data] of files)
      if (name !== 'manifest.json' && name !== 'repositories') oci[name] = data;
    const ociPath = join(work, 'oci.tar');
    writeFileSync(ociPath, await tarOf(oci));
    await dockerOk(daemon, ['rmi', '-f', id]);
    assert.match(await dockerOk(daemon, ['load', '-i', ociPath]), new RegExp(`Loaded image: ${ref}:latest`));
    assert.equal((await dockerOk(daemon, ['image', 'inspect', '-f', '{{.Id}}', ref])).trim(), id);

    const [entry] = JSON.parse(String(files.get('manifest.json'))) as { Config: string; Layers: string[] }[];
    const legacy: Record<string, Buffer> = {
      [`${id.slice(7)}.json`]: files.get(entry?.Config ?? '') as Buffer,
      'manifest.json': Buffer.from(
        JSON.stringify([
          { Config: `${id.slice(7)}.json`, RepoTags: ['legacy/box:old'], Layers: ['abc123/layer.tar'] },
        ]),
      ),
      'abc123/layer.tar': gunzipSync(files.get(entry?.Layers[0] ?? '') as Buffer),
    };
    const legacyPath = join(work, 'legacy.tar');
    writeFileSync(legacyPath, await tarOf(legacy));
    assert.match(await dockerOk(daemon, ['load', '-i', legacyPath]), /Loaded image: legacy\/box:old/);
    assert.equal(
      (await dockerOk(daemon, ['image', 'inspect', '-f', '{{.Id}}', 'legacy/box:old'])).trim(),
      id,
    );
    // Saved again, it carries its (uncompressed) layer blob.
    await dockerOk(daemon, ['save', '-o', join(work, 'again.tar'), 'legacy/box:old']);
  });

  test('docker load refuses a broken archive and registers nothing', async () => {
    const before = await dockerOk(daemon, ['images', '-q', '--no-trunc']);
    const bad = join(work, 'bad.tar');
    writeFileSync(
      bad,
      await tarOf({
        'manifest.json': JSON.stringify([
          { Config: `blobs/sha256/${'a'.repeat(64)}`, RepoTags: ['broken:v1'], Layers: [] },
        ]),
        [`blobs/sha256/${'a'.repeat(64)}`]: '{"rootfs":{"type":"layers","diff_ids":[]}}',
      }),
    );
    const r = await docker(daemon, ['load', '-i', bad]);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /invalid image archive/);
    const notTar = join(work, 'nottar.tar');
    writeFileSync(notTar, 'this is not a tar file at all'.repeat(40));
    const r2 = await docker(daemon, ['load', '-i', notTar]);
    assert.notEqual(r2.exitCode, 0);
    assert.equal(await dockerOk(daemon, ['images', '-q', '--no-trunc']), before);
  });

  test('docker import makes a one-layer image from a root file system tarball', async () => {
    const rootfs = join(work, 'rootfs.tar');
    writeFileSync(rootfs, await tarOf({ 'hello.txt': 'hello from import\n', 'etc/motd': 'hi\n' }));
    const out = await dockerOk(daemon, [
      'import',
      '-c',
      'CMD ["/bin/true"]',
      '-c',
      'ENV A=b',
      '-m',
      'my message',
      rootfs,
      'imported:v1',
    ]);
    assert.match(out, /^sha256:[0-9a-f]{64}$/m);
    const inspect = JSON.parse(await dockerOk(daemon, ['image', 'inspect', 'imported:v1'])) as {
      Id: string;
      Comment: string;
      Config: { Cmd: string[]; Env: string[] };
      RootFS: { Layers: string[] };
    }[];
    assert.equal(inspect[0]?.Id, out.trim());
    assert.deepEqual(inspect[0]?.Config.Cmd, ['/bin/true']);
    assert.deepEqual(inspect[0]?.Config.Env, ['A=b']);
    assert.equal(inspect[0]?.Comment, 'my message');
    assert.equal(inspect[0]?.RootFS.Layers.length, 1);
    // An imported image can be saved and pushed (its tarball is kept as the layer blob).
    await dockerOk(daemon, ['tag', 'imported:v1', `${registry.host}/imported/img:v1`]);
    const pushed = await dockerOk(daemon, ['push', `${registry.host}/imported/img:v1`]);
    assert.match(pushed, /Pushed/);
  });

  test('GET /distribution/{name}/json and /images/search', async () => {
    const r = await socketRequest(daemon.socket, `/distribution/${ref}/json`);
    assert.equal(r.status, 200, r.body);
    const body = JSON.parse(r.body) as { Descriptor: { digest: string }; Platforms: { os: string }[] };
    assert.equal(body.Descriptor.digest, digest);
    assert.equal(body.Platforms[0]?.os, 'linux');
    const s = await docker(daemon, ['search', `${registry.host}/busybox`]);
    assert.notEqual(s.exitCode, 0);
    assert.match(s.stderr, /Unexpected status code 404/);
  });
});

describe('docker login against an htpasswd registry', () => {
  let registry: Registry;
  let daemon: Daemon;
  withDaemon({ registry: { auth: { username: 'alice', password: 's3cret' } } }, (env) => {
    daemon = env.daemon;
    registry = env.registry;
  });

  test('a wrong password gives 401 and Docker message; the right one Login Succeeded', async () => {
    const bad = await docker(daemon, ['login', '-u', 'alice', '--password-stdin', registry.host], {
      input: 'wrong\n',
    });
    assert.notEqual(bad.exitCode, 0);
    assert.match(
      bad.stderr,
      /login attempt to http:\/\/127\.0\.0\.1:\d+\/v2\/ failed with status: 401 Unauthorized/,
    );
    const good = await dockerOk(daemon, ['login', '-u', 'alice', '--password-stdin', registry.host], {
      input: 's3cret\n',
    });
    assert.match(good, /Login Succeeded/);
  });
});
