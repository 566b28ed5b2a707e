import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MEDIA_MANIFEST } from '../fixtures/distribution.js';
import { pushBusybox } from '../fixtures/images.js';
import { type Registry, startRegistry } from '../fixtures/registry.js';
import type { TokenRequest } from '../fixtures/token-issuer.js';
import { type Daemon, docker, dockerOk, socketRequest, withDaemon } from '../helpers/index.js';

/**
 * Pull, push and login through rootlessd against the real registry with bearer token auth:
 * the registry sends the client to the fixture's token issuer, which checks basic
 * credentials (or a refresh token) and signs a JWT the registry trusts.
 */

const USER = 'carol';
const PASSWORD = 't0ken-s3cret';

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
}

function dockerConfig(daemon: Daemon): DockerConfigFile {
  const dir = daemon.cliEnv.DOCKER_CONFIG ?? '';
  assert.ok(dir.startsWith(daemon.base), 'the CLI config folder is private to this daemon');
  try {
    return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as DockerConfigFile;
  } catch {
    return {};
  }
}

/** The registry's digest of repository:tag, asked with a token minted for the repository. */
async function registryDigest(registry: Registry, repository: string, tag: string): Promise<string | null> {
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { ...registry.forRepository(repository).headers(), Accept: MEDIA_MANIFEST },
  });
  assert.equal(res.status, 200, `HEAD ${repository}:${tag}`);
  return res.headers.get('docker-content-digest');
}

function since(registry: Registry, count: number): TokenRequest[] {
  return registry.tokenIssuer?.requests().slice(count) ?? [];
}

/**
 * Pulls without credentials: the Engine API answers 401 with the registry's error, as
 * Docker does; the CLI then falls back to its interactive "Login prior to pull" prompt,
 * which an empty user name ends.
 */
async function assertPullRefused(daemon: Daemon, ref: string): Promise<void> {
  const api = await socketRequest(
    daemon.socket,
    `/images/create?fromImage=${encodeURIComponent(ref)}&tag=latest`,
    {
      method: 'POST',
      timeoutMs: 60_000,
    },
  );
  assert.equal(api.status, 401, api.body);
  assert.deepEqual(JSON.parse(api.body), { message: 'unauthorized: authentication required' });
  // An empty line as the user name ends the prompt (at EOF the CLI 28.2 keeps waiting).
  const cli = await docker(daemon, ['pull', ref], { input: '\n', timeoutMs: 60_000 });
  assert.equal(cli.exitCode, 1, cli.stderr);
  assert.match(cli.stdout, /Login prior to pull:/);
  assert.match(cli.stderr, /Non-null Username Required/);
}

async function login(daemon: Daemon, registry: Registry, password: string) {
  return docker(daemon, ['login', '-u', USER, '--password-stdin', registry.host], { input: `${password}\n` });
}

describe('token auth: login, pull and push through rootlessd', () => {
  let registry: Registry;
  let refreshing: Registry;
  let daemon: Daemon;
  let digest: string;
  let ref: string;

  withDaemon({ registry: { auth: { token: { username: USER, password: PASSWORD } } } }, async (env) => {
    daemon = env.daemon;
    registry = env.registry;
    refreshing = await startRegistry({
      auth: { token: { username: USER, password: PASSWORD, refreshTokens: true } },
    });
    digest = await pushBusybox(registry.forRepository('library/busybox'));
    assert.equal(await pushBusybox(refreshing.forRepository('library/busybox')), digest);
    ref = `${registry.host}/library/busybox`;
  });
  after(async () => {
    await refreshing?.stop();
  });

  test('the registry refuses anonymous access and names the token realm', async () => {
    const res = await fetch(`${registry.url}/v2/`);
    assert.equal(res.status, 401);
    assert.equal(
      res.headers.get('www-authenticate'),
      `Bearer realm="${registry.tokenIssuer?.realm}",service="${registry.tokenIssuer?.service}"`,
    );
    assert.throws(() => registry.headers(), /forRepository/);
  });

  test('a pull without credentials fails with the registry auth error', async () => {
    const seen = registry.tokenIssuer?.requests().length ?? 0;
    await assertPullRefused(daemon, ref);
    // rootlessd asked the issuer anonymously for the pull scope and got a token without access.
    const asked = since(registry, seen);
    assert.ok(
      asked.some(
        (q) =>
          q.grant === 'anonymous' && q.status === 200 && q.scopes.includes('repository:library/busybox:pull'),
      ),
      JSON.stringify(asked),
    );
    const inspect = await docker(daemon, ['image', 'inspect', ref]);
    assert.notEqual(inspect.exitCode, 0);
  });

  test('docker login: a wrong password gives 401 and Docker message; the right one Login Succeeded', async () => {
    const seen = registry.tokenIssuer?.requests().length ?? 0;
    const bad = await login(daemon, registry, 'wrong');
    assert.notEqual(bad.exitCode, 0);
    assert.match(
      bad.stderr,
      new RegExp(
        `login attempt to http://${registry.host.replace(/\./g, '\\.')}/v2/ failed with status: 401 Unauthorized`,
      ),
    );
    assert.deepEqual(
      since(registry, seen).map((q) => [q.grant, q.status]),
      [['basic', 401]],
    );
    assert.equal(dockerConfig(daemon).auths?.[registry.host], undefined);

    const good = await login(daemon, registry, PASSWORD);
    assert.equal(good.exitCode, 0, good.stderr);
    assert.match(good.stdout, /Login Succeeded/);
    const stored = dockerConfig(daemon).auths?.[registry.host];
    assert.equal(stored?.auth, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
  });

  test('after login, docker pull completes with the registry digest', async () => {
    const seen = registry.tokenIssuer?.requests().length ?? 0;
    const out = await dockerOk(daemon, ['pull', ref]);
    assert.match(out, /Pull complete/);
    assert.ok(out.includes(`Digest: ${digest}`), out);
    assert.equal(await registryDigest(registry, 'library/busybox', 'latest'), digest);
    const repoDigests = await dockerOk(daemon, ['image', 'inspect', '-f', '{{json .RepoDigests}}', ref]);
    assert.deepEqual(JSON.parse(repoDigests), [`${ref}@${digest}`]);
    const asked = since(registry, seen);
    assert.ok(
      asked.some(
        (q) =>
          q.grant === 'basic' &&
          q.subject === USER &&
          q.status === 200 &&
          q.scopes.includes('repository:library/busybox:pull'),
      ),
      JSON.stringify(asked),
    );
  });

  test('docker push with the stored login, then pull back the same digest', async () => {
    const target = `${registry.host}/team/box:v1`;
    await dockerOk(daemon, ['tag', ref, target]);
    const seen = registry.tokenIssuer?.requests().length ?? 0;
    const out = await dockerOk(daemon, ['push', target]);
    assert.match(out, new RegExp(`v1: digest: ${digest} size: \\d+`));
    assert.equal(await registryDigest(registry, 'team/box', 'v1'), digest);
    const asked = since(registry, seen);
    assert.ok(
      asked.some(
        (q) =>
          q.status === 200 && q.scopes.some((s) => /^repository:team\/box:(push,pull|pull,push)$/.test(s)),
      ),
      JSON.stringify(asked),
    );
    await dockerOk(daemon, ['rmi', target]);
    const back = await dockerOk(daemon, ['pull', target]);
    assert.ok(back.includes(`Digest: ${digest}`), back);
  });

  test('after docker logout the pull is refused again', async () => {
    assert.match(await dockerOk(daemon, ['logout', registry.host]), /Removing login credentials/);
    await assertPullRefused(daemon, ref);
  });

  test('an issuer with refresh tokens: login stores an identity token that later pulls use', async () => {
    const issuer = refreshing.tokenIssuer;
    assert.ok(issuer);
    const bad = await login(daemon, refreshing, 'wrong');
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr, /failed with status: 401 Unauthorized/);
    const good = await login(daemon, refreshing, PASSWORD);
    assert.equal(good.exitCode, 0, good.stderr);
    const stored = dockerConfig(daemon).auths?.[refreshing.host];
    assert.match(stored?.identitytoken ?? '', /^[0-9a-f]{48}$/);

    const seen = issuer.requests().length;
    const target = `${refreshing.host}/library/busybox`;
    const out = await dockerOk(daemon, ['pull', target]);
    assert.ok(out.includes(`Digest: ${digest}`), out);
    const asked = since(refreshing, seen);
    assert.ok(
      asked.some(
        (q) =>
          q.grant === 'refresh_token' &&
          q.subject === USER &&
          q.scopes.includes('repository:library/busybox:pull'),
      ),
      JSON.stringify(asked),
    );
    assert.ok(!asked.some((q) => q.grant === 'basic'), 'no password was sent after login');
  });
});
