import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFound } from '../../errdefs/index.js';
import { parseChallenges } from './auth.js';
import { basicCredentials, decodeRegistryAuthHeader, registryDomainOf } from './credentials.js';
import { isInsecureRegistry, registryEndpoints } from './endpoints.js';
import { MEDIA_TYPES, parsePlatform, selectManifest } from './manifest.js';

test('WWW-Authenticate challenges', () => {
  assert.deepEqual(
    parseChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    ),
    [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/busybox:pull',
        },
      },
    ],
  );
  assert.deepEqual(parseChallenges(['Basic realm="Registry Realm"']), [
    { scheme: 'basic', params: { realm: 'Registry Realm' } },
  ]);
  assert.deepEqual(parseChallenges(undefined), []);
});

test('endpoints: mirrors for docker.io, https then http for insecure and loopback', () => {
  const config = {
    mirrors: ['https://mirror.example.edu/', 'http://10.0.0.5:5000'],
    insecureRegistries: ['10.0.0.0/8', 'reg.lan:5000'],
  };
  assert.deepEqual(
    registryEndpoints('docker.io', config).map((e) => [e.url, e.mirror, e.insecureTls]),
    [
      ['https://mirror.example.edu', true, false],
      ['http://10.0.0.5:5000', true, true],
      ['https://registry-1.docker.io', false, false],
    ],
  );
  assert.deepEqual(
    registryEndpoints('docker.io', config, 'push').map((e) => e.url),
    ['https://registry-1.docker.io'],
  );
  assert.deepEqual(
    registryEndpoints('127.0.0.1:5000').map((e) => e.url),
    ['https://127.0.0.1:5000', 'http://127.0.0.1:5000'],
  );
  assert.deepEqual(
    registryEndpoints('reg.lan:5000', config).map((e) => e.url),
    ['https://reg.lan:5000', 'http://reg.lan:5000'],
  );
  assert.deepEqual(
    registryEndpoints('ghcr.io', config).map((e) => e.url),
    ['https://ghcr.io'],
  );
  assert.equal(isInsecureRegistry('[::1]:5000'), true);
  assert.equal(isInsecureRegistry('localhost:5000'), true);
  assert.equal(isInsecureRegistry('10.1.2.3:443', config.insecureRegistries), true);
  assert.equal(isInsecureRegistry('11.1.2.3:443', config.insecureRegistries), false);
  assert.equal(isInsecureRegistry('reg.lan:5001', config.insecureRegistries), false);
});

test('credentials: X-Registry-Auth decoding and server addresses', () => {
  const header = Buffer.from(
    JSON.stringify({ username: 'u', password: 'p', serveraddress: 'r:5000', email: '' }),
  ).toString('base64url');
  assert.deepEqual(decodeRegistryAuthHeader(header), {
    username: 'u',
    password: 'p',
    serveraddress: 'r:5000',
  });
  assert.equal(decodeRegistryAuthHeader('not json'), undefined);
  assert.equal(decodeRegistryAuthHeader(''), undefined);
  assert.deepEqual(basicCredentials({ auth: Buffer.from('a:b:c').toString('base64') }), {
    username: 'a',
    password: 'b:c',
  });
  assert.equal(registryDomainOf('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(registryDomainOf(''), 'docker.io');
  assert.equal(registryDomainOf('http://127.0.0.1:5000/'), '127.0.0.1:5000');
  assert.equal(registryDomainOf('Reg.Example.com'), 'reg.example.com');
});

test('platforms: parsing and choosing from an index', () => {
  assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(parsePlatform('aarch64'), { os: 'linux', architecture: 'arm64' });
  assert.throws(() => parsePlatform('linux//'), /unknown operating system or architecture/);
  const m = (architecture: string, variant?: string) => ({
    mediaType: MEDIA_TYPES.ociManifest,
    digest: `sha256:${architecture}${variant ?? ''}`,
    size: 1,
    platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
  });
  const index = {
    schemaVersion: 2 as const,
    manifests: [m('arm', 'v6'), m('arm', 'v7'), m('arm64', 'v8'), m('amd64')],
  };
  assert.equal(selectManifest(index, { os: 'linux', architecture: 'amd64' }).digest, 'sha256:amd64');
  assert.equal(
    selectManifest(index, { os: 'linux', architecture: 'arm', variant: 'v7' }).digest,
    'sha256:armv7',
  );
  assert.equal(selectManifest(index, { os: 'linux', architecture: 'arm64' }).digest, 'sha256:arm64v8');
  assert.throws(() => selectManifest(index, { os: 'windows', architecture: 'amd64' }), NotFound);
});
