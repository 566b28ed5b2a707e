import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Registry, startRegistry } from '../../../test/fixtures/registry.js';
import { InvalidParameter, NotFound, Unauthorized, Unavailable } from '../../errdefs/index.js';
import { ContentStore, DigestMismatch, sha256Of } from '../content/index.js';
import { parseDockerRef, parseNormalizedNamed } from '../images/reference.js';
import { RegistryClient } from './client.js';
import { MEDIA_TYPES } from './manifest.js';
import { RegistryRepository } from './repository.js';
import { type TinyImage, tinyImage } from './testing/tiny-image.js';
import { closeDispatchers } from './transport.js';

async function pushTiny(
  client: RegistryClient,
  ref: string,
  image: TinyImage,
  auth?: { username: string; password: string },
) {
  const r = parseDockerRef(ref);
  const repo = client.repository(r, { push: true, ...(auth ? { auth } : {}) });
  for (const b of [image.layer, image.config]) {
    if (await repo.statBlob(b.digest)) continue;
    await repo.uploadBlob({ digest: b.digest, size: b.size }, b.data);
    assert.deepEqual(await repo.statBlob(b.digest), { size: b.size });
  }
  return repo.putManifest(r.tag ?? 'latest', image.manifest, MEDIA_TYPES.dockerManifest);
}

async function storeEmpty(root: string): Promise<void> {
  assert.deepEqual(await readdir(join(root, 'blobs', 'sha256')), []);
  assert.deepEqual(await readdir(join(root, 'ingest')), []);
}

describe('registry client against a real registry', () => {
  let registry: Registry;
  let root: string;
  let store: ContentStore;
  const client = new RegistryClient();
  const image = tinyImage();

  before(async () => {
    registry = await startRegistry();
    root = await mkdtemp(join(tmpdir(), 'rlt-pull-'));
    store = new ContentStore(root);
    await store.init();
  });
  after(async () => {
    await registry?.stop();
    await rm(root, { recursive: true, force: true });
  });

  test('push a tiny image, then pull it back by tag and by digest', async () => {
    const ref = `${registry.host}/library/tiny:v1`;
    const digest = await pushTiny(client, ref, image);
    assert.equal(digest, image.manifestDigest);

    const { repository, image: resolved } = await client.resolve(parseDockerRef(ref));
    assert.equal(resolved.digest, image.manifestDigest);
    assert.equal(resolved.mediaType, MEDIA_TYPES.dockerManifest);
    assert.deepEqual(resolved.manifest.bytes, image.manifest);
    assert.equal(resolved.parsed.layers[0]?.digest, image.layer.digest);
    for (const desc of [resolved.parsed.config, ...resolved.parsed.layers]) {
      await store.write(desc, () => repository.openBlob(desc));
    }
    assert.deepEqual(await store.readBuffer(image.layer.digest), image.layer.data);
    assert.deepEqual(await store.readBuffer(image.config.digest), image.config.data);

    const byDigest = await client.resolve(parseDockerRef(`${registry.host}/library/tiny@${digest}`));
    assert.equal(byDigest.image.digest, digest);
  });

  test("a manifest list: platform choice and Docker's message when none matches", async () => {
    await pushTiny(client, `${registry.host}/multi/arch:single`, image);
    const entry = (architecture: string) => ({
      mediaType: MEDIA_TYPES.dockerManifest,
      size: image.manifest.length,
      digest: image.manifestDigest,
      platform: { os: 'linux', architecture },
    });
    const list = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.dockerManifestList,
        manifests: [entry('arm64'), entry('amd64')],
      }),
    );
    const ref = parseDockerRef(`${registry.host}/multi/arch:list`);
    const repo = client.repository(ref, { push: true });
    assert.equal(await repo.putManifest('list', list, MEDIA_TYPES.dockerManifestList), sha256Of(list));

    const amd = await client.resolve(ref, { platform: 'linux/amd64' });
    assert.equal(amd.image.digest, sha256Of(list));
    assert.equal(amd.image.platform?.architecture, 'amd64');
    assert.equal(amd.image.manifest.digest, image.manifestDigest);
    const arm = await client.resolve(ref, { platform: 'linux/arm64/v8' });
    assert.equal(arm.image.platform?.architecture, 'arm64');
    await assert.rejects(client.resolve(ref, { platform: 'linux/s390x' }), (err: unknown) => {
      return (
        err instanceof NotFound &&
        err.message === 'no matching manifest for linux/s390x in the manifest list entries'
      );
    });
  });

  test('cross-repository mount', async () => {
    await pushTiny(client, `${registry.host}/src/repo:v1`, image);
    const repo = client.repository(parseNormalizedNamed(`${registry.host}/dst/repo`), { push: true });
    assert.equal(await repo.statBlob(image.layer.digest), undefined);
    assert.deepEqual(await repo.mountBlob(image.layer.digest, 'src/repo'), { mounted: true });
    assert.deepEqual(await repo.statBlob(image.layer.digest), { size: image.layer.size });
    const missing = sha256Of('never uploaded');
    const declined = await repo.mountBlob(missing, 'src/repo');
    assert.equal(declined.mounted, false);
  });

  test("an unknown manifest is NotFound with Docker's text", async () => {
    await pushTiny(client, `${registry.host}/library/nope:other`, image);
    const ref = parseDockerRef(`${registry.host}/library/nope`);
    await assert.rejects(client.resolve(ref), (err: unknown) => {
      assert.ok(err instanceof NotFound);
      assert.equal(
        err.message,
        `manifest for ${registry.host}/library/nope:latest not found: manifest unknown: manifest unknown`,
      );
      return true;
    });
    const unknownRepo = parseDockerRef(`${registry.host}/library/never-pushed`);
    await assert.rejects(client.resolve(unknownRepo), NotFound);
  });

  test('a blob served with the wrong content is refused and leaves nothing behind', async () => {
    const root2 = await mkdtemp(join(tmpdir(), 'rlt-pull-bad-'));
    try {
      const s = new ContentStore(root2);
      await s.init();
      const bad = tinyImage('this layer will be corrupted\n');
      await pushTiny(client, `${registry.host}/library/corrupt:v1`, bad);
      const hex = bad.layer.digest.slice(7);
      const file = join(
        registry.dir,
        'data',
        'docker',
        'registry',
        'v2',
        'blobs',
        'sha256',
        hex.slice(0, 2),
        hex,
        'data',
      );
      const data = await readFile(file);
      data[data.length - 5] = (data[data.length - 5] ?? 0) ^ 0xff;
      await writeFile(file, data);

      const { repository, image: resolved } = await client.resolve(
        parseDockerRef(`${registry.host}/library/corrupt:v1`),
      );
      const layer = resolved.parsed.layers[0]!;
      await assert.rejects(
        s.write(layer, () => repository.openBlob(layer)),
        (err: unknown) => {
          return (
            err instanceof DigestMismatch &&
            err instanceof InvalidParameter &&
            err.message.includes(layer.digest)
          );
        },
      );
      await storeEmpty(root2);
    } finally {
      await rm(root2, { recursive: true, force: true });
    }
  });

  test('mirrors: a refused one and one without the image fall back to the origin', async () => {
    const empty = await startRegistry();
    try {
      const ref = parseDockerRef(`${registry.host}/library/tiny:v1`);
      const ep = (url: string, mirror: boolean) => ({ url, domain: ref.domain, insecureTls: false, mirror });
      const repo = new RegistryRepository(ref, [
        ep('http://127.0.0.1:1', true),
        ep(empty.url, true),
        ep(registry.url, false),
      ]);
      const resolved = await repo.resolveImage(ref);
      assert.equal(resolved.digest, image.manifestDigest);
      assert.equal(repo.endpoint.url, registry.url);
      const origin = new RegistryRepository(ref, [ep(empty.url, false), ep(registry.url, false)]);
      await assert.rejects(origin.resolveImage(ref), NotFound);
    } finally {
      await empty.stop();
    }
  });

  test('a refused connection is Unavailable naming the host', async () => {
    const ref = parseDockerRef('127.0.0.1:1/library/x:latest');
    await assert.rejects(client.resolve(ref), (err: unknown) => {
      return (
        err instanceof Unavailable &&
        err.message.includes('127.0.0.1:1') &&
        /connection refused/.test(err.message)
      );
    });
  });
});

describe('registry client with htpasswd basic auth', () => {
  let registry: Registry;
  const user = { username: 'alice', password: 's3cret-pw' };
  const client = new RegistryClient();
  before(async () => {
    registry = await startRegistry({ auth: user });
  });
  after(async () => {
    await registry?.stop();
    await closeDispatchers();
  });

  test("checkLogin: wrong password → Docker's 401 message; right one succeeds", async () => {
    await assert.rejects(
      client.checkLogin({ username: 'alice', password: 'wrong', serveraddress: registry.host }),
      (err: unknown) => {
        assert.ok(err instanceof Unauthorized);
        assert.equal(
          err.message,
          `login attempt to http://${registry.host}/v2/ failed with status: 401 Unauthorized`,
        );
        return true;
      },
    );
    assert.deepEqual(await client.checkLogin({ ...user, serveraddress: `http://${registry.host}/` }), {
      Status: 'Login Succeeded',
    });
    const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    assert.deepEqual(await client.checkLogin({ auth, serveraddress: registry.host }), {
      Status: 'Login Succeeded',
    });
  });

  test('push and pull need the right credentials', async () => {
    const image = tinyImage('auth layer\n');
    const ref = `${registry.host}/private/app:v1`;
    await assert.rejects(pushTiny(client, ref, image, { username: 'alice', password: 'nope' }), Unauthorized);
    await assert.rejects(pushTiny(client, ref, image), Unauthorized);
    assert.equal(await pushTiny(client, ref, image, user), image.manifestDigest);
    await assert.rejects(client.resolve(parseDockerRef(ref)), Unauthorized);
    const { image: resolved } = await client.resolve(parseDockerRef(ref), { auth: user });
    assert.equal(resolved.digest, image.manifestDigest);
  });
});
