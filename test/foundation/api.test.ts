import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Daemon,
  docker,
  dockerJson,
  dockerode,
  runAsUser,
  socketRequest,
  withDaemon,
} from '../helpers/index.js';

/** The Engine API as the real docker CLI, curl and dockerode see it, from the test user. */

const API_VERSION = '1.51';

let d: Daemon;
withDaemon({}, (env) => {
  d = env.daemon;
});

function jsonBody(res: { headers: Record<string, unknown>; body: string }): { message?: unknown } {
  assert.match(String(res.headers['content-type']), /^application\/json/, `content-type of ${res.body}`);
  return JSON.parse(res.body) as { message?: unknown };
}

describe('docker CLI', () => {
  test('docker version shows the server and its API version', async () => {
    const v = await dockerJson<{
      Server?: {
        Version: string;
        ApiVersion: string;
        Os: string;
        Components?: { Name: string; Version: string }[];
      };
    }>(d, ['version', '--format', '{{json .}}']);
    assert.ok(v.Server, 'no Server section');
    assert.equal(v.Server.ApiVersion, API_VERSION);
    assert.equal(v.Server.Os, 'linux');
    assert.ok(v.Server.Version, 'empty server version');
    const names = (v.Server.Components ?? []).map((c) => c.Name.toLowerCase());
    for (const want of ['rootlessd', 'runc', 'conmon', 'fuse-overlayfs', 'slirp4netns']) {
      assert.ok(
        names.some((n) => n.includes(want)),
        `Components lacks ${want}: ${JSON.stringify(v.Server.Components)}`,
      );
    }
    for (const c of v.Server.Components ?? []) assert.ok(c.Version, `${c.Name} has no version`);
  });

  test('docker info shows rootless among the security options and a storage driver', async () => {
    const info = await dockerJson<{ SecurityOptions?: string[]; Driver?: string; ServerErrors?: string[] }>(
      d,
      ['info', '--format', '{{json .}}'],
    );
    assert.equal(info.ServerErrors, undefined, `server errors: ${JSON.stringify(info.ServerErrors)}`);
    assert.ok(
      info.SecurityOptions?.includes('name=rootless'),
      `SecurityOptions: ${JSON.stringify(info.SecurityOptions)}`,
    );
    assert.ok(
      info.SecurityOptions?.some((o) => /^name=seccomp,profile=/.test(o)),
      `no seccomp: ${JSON.stringify(info.SecurityOptions)}`,
    );
    assert.ok(info.Driver, 'no storage driver');
    const human = await docker(d, ['info']);
    assert.equal(human.exitCode, 0, human.stderr);
    assert.match(human.stdout, /rootless/);
    assert.match(human.stdout, /Storage Driver: \S+/);
  });
});

describe('the socket over plain HTTP', () => {
  test('curl --unix-socket /_ping shows Docker headers and OK', async () => {
    const r = await runAsUser(
      d.user,
      'curl',
      ['-sS', '-i', '--unix-socket', d.socket, 'http://d/_ping'],
      d.env,
    );
    assert.equal(r.exitCode, 0, r.stderr);
    const [head = '', body] = r.stdout.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 200 /);
    const header = (name: string) => new RegExp(`^${name}: (.*)\\r?$`, 'im').exec(head)?.[1];
    assert.equal(header('API-Version'), API_VERSION);
    assert.equal(header('Builder-Version'), '1');
    assert.match(header('Docker-Experimental') ?? '', /^(true|false)$/);
    assert.equal(header('OSType'), 'linux');
    assert.equal(header('Cache-Control'), 'no-cache, no-store, must-revalidate');
    assert.equal(header('Pragma'), 'no-cache');
    assert.equal(body, 'OK');
  });

  test('HEAD /_ping answers the same headers without a body', async () => {
    const r = await socketRequest(d.socket, '/_ping', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['api-version'], API_VERSION);
    assert.equal(r.headers.ostype, 'linux');
    assert.equal(r.body, '');
  });

  test('versioned paths inside the range answer', async () => {
    for (const v of ['1.24', '1.44', API_VERSION]) {
      const r = await socketRequest(d.socket, `/v${v}/_ping`);
      assert.equal(r.status, 200, `/v${v}/_ping: ${r.body}`);
    }
  });

  test('an unknown endpoint is 404 JSON page not found', async () => {
    for (const path of ['/nope', `/v${API_VERSION}/nope`]) {
      const r = await socketRequest(d.socket, path);
      assert.equal(r.status, 404, path);
      assert.deepEqual(jsonBody(r), { message: 'page not found' });
      assert.equal(r.headers['api-version'], API_VERSION, 'API-Version on an error');
    }
  });

  test('a version outside the range is 400 with Docker message', async () => {
    const tooNew = await socketRequest(d.socket, '/v1.99/version');
    assert.equal(tooNew.status, 400);
    assert.match(
      String(jsonBody(tooNew).message),
      /client version 1\.99 is too new\. Maximum supported API version is 1\.51/,
    );
    const tooOld = await socketRequest(d.socket, '/v1.12/version');
    assert.equal(tooOld.status, 400);
    assert.match(
      String(jsonBody(tooOld).message),
      /client version 1\.12 is too old\. Minimum supported API version is 1\.24/,
    );
  });

  test('malformed JSON or a wrong type in a body is 400 JSON (the process survives)', async () => {
    // The body-taking routes of the moment; at least one must exist.
    const candidates = [
      { path: '/containers/create', wrong: { Image: 5 }, field: 'Image' },
      { path: '/networks/create', wrong: { Name: 5 }, field: 'Name' },
      { path: '/volumes/create', wrong: { Name: 5 }, field: 'Name' },
      { path: '/auth', wrong: { username: 5 }, field: 'username' },
    ];
    const headers = { 'Content-Type': 'application/json' };
    let routed = 0;
    for (const c of candidates) {
      const bad = await socketRequest(d.socket, c.path, { method: 'POST', body: '{"Name": ', headers });
      if (bad.status === 404 && /page not found/.test(bad.body)) continue;
      routed++;
      assert.equal(bad.status, 400, `${c.path} with malformed JSON: ${bad.status} ${bad.body}`);
      assert.ok(String(jsonBody(bad).message).length > 0, `${c.path}: empty message`);
      const wrong = await socketRequest(d.socket, c.path, {
        method: 'POST',
        body: JSON.stringify(c.wrong),
        headers,
      });
      assert.equal(
        wrong.status,
        400,
        `${c.path} with ${JSON.stringify(c.wrong)}: ${wrong.status} ${wrong.body}`,
      );
      assert.match(
        String(jsonBody(wrong).message),
        new RegExp(c.field),
        `${c.path}: the message names the field`,
      );
    }
    assert.ok(routed > 0, `none of ${candidates.map((c) => c.path).join(', ')} exists yet`);
    const still = await socketRequest(d.socket, '/_ping');
    assert.equal(still.body, 'OK');
  });
});

describe('dockerode', () => {
  test('ping, version and info', async () => {
    const client = dockerode(d);
    const ping = await client.ping();
    assert.equal(Buffer.isBuffer(ping) ? ping.toString() : String(ping), 'OK');
    const version = await client.version();
    assert.equal(version.ApiVersion, API_VERSION);
    const info = (await client.info()) as { SecurityOptions?: string[]; Driver?: string };
    assert.ok(info.SecurityOptions?.includes('name=rootless'));
    assert.ok(info.Driver);
  });
});
