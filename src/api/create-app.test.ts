import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { Conflict, NotModified } from '../errdefs/index.js';
import { readJsonBody } from './body.js';
import { createApp } from './create-app.js';
import { fakeBackends } from './testing/fake-backends.js';

async function message(res: Response): Promise<string> {
  return ((await res.json()) as { message: string }).message;
}

const Body = z.strictObject({ Name: z.string(), HostConfig: z.object({ Memory: z.number() }).optional() });

function app() {
  const backends = fakeBackends();
  const a = createApp(backends, {
    extend: (r) => {
      r.post('/test/body', async (c) => c.json(await readJsonBody(c, Body)));
      r.post('/test/small', async (c) => c.json(await readJsonBody(c, z.unknown(), { limit: 10 })));
      r.get('/test/conflict', () => {
        throw new Conflict('name "x" is already in use');
      });
      r.get('/test/notmodified', () => {
        throw new NotModified('container already stopped');
      });
      r.get('/test/crash', () => {
        throw new TypeError('oops');
      });
      r.get('/test/version', (c) => c.text(c.get('apiVersion')));
    },
  });
  return { app: a, bus: backends.bus };
}

test('ping answers OK with the headers Docker clients read', async () => {
  for (const method of ['GET', 'HEAD']) {
    const res = await app().app.request('/_ping', { method });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), method === 'GET' ? 'OK' : '');
    assert.equal(res.headers.get('api-version'), '1.51');
    assert.equal(res.headers.get('builder-version'), '1');
    assert.equal(res.headers.get('docker-experimental'), 'false');
    assert.equal(res.headers.get('ostype'), 'linux');
    assert.equal(res.headers.get('cache-control'), 'no-cache, no-store, must-revalidate');
    assert.equal(res.headers.get('pragma'), 'no-cache');
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  }
});

test('versioned and bare paths reach the same route; the version is visible', async () => {
  const { app: a } = app();
  assert.equal(await (await a.request('/v1.24/_ping')).text(), 'OK');
  assert.equal(await (await a.request('/v1.40/test/version')).text(), '1.40');
  assert.equal(await (await a.request('/test/version')).text(), '1.51');
  assert.equal(
    ((await (await a.request('/v1.51/version')).json()) as { Version: string }).Version,
    '0.0.0-test',
  );
});

test('versions outside the range: 400 with Docker text and API-Version', async () => {
  const res = await app().app.request('/v1.99/version');
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('api-version'), '1.51');
  assert.deepEqual(await res.json(), {
    message: 'client version 1.99 is too new. Maximum supported API version is 1.51',
  });
  const old = await app().app.request('/v1.12/_ping');
  assert.equal(old.status, 400);
  assert.match(await message(old), /too old\. Minimum supported API version is 1\.24/);
});

test('unknown routes: 404 page not found as JSON with API-Version', async () => {
  for (const path of ['/nope', '/v1.45/nope']) {
    const res = await app().app.request(path);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('api-version'), '1.51');
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await res.json(), { message: 'page not found' });
  }
});

test('error kinds map through the table', async () => {
  const { app: a } = app();
  const conflict = await a.request('/test/conflict');
  assert.equal(conflict.status, 409);
  assert.deepEqual(await conflict.json(), { message: 'name "x" is already in use' });
  assert.equal((await a.request('/test/notmodified')).status, 304);
  const crash = await a.request('/test/crash');
  assert.equal(crash.status, 500);
  assert.equal(crash.headers.get('api-version'), '1.51');
  assert.deepEqual(await crash.json(), { message: 'oops' });
});

test('bodies: malformed JSON, wrong types, missing body and too large are 400', async () => {
  const { app: a } = app();
  const post = (path: string, body?: string) =>
    a.request(path, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
  const malformed = await post('/test/body', '{"Name":');
  assert.equal(malformed.status, 400);
  assert.match(await message(malformed), /invalid JSON/);
  const wrongType = await post('/test/body', '{"Name":"a","HostConfig":{"Memory":"lots"}}');
  assert.equal(wrongType.status, 400);
  assert.match(await message(wrongType), /HostConfig\.Memory/);
  const missing = await post('/test/body');
  assert.equal(missing.status, 400);
  assert.match(await message(missing), /body is required/);
  const large = await post('/test/small', '"01234567890123"');
  assert.equal(large.status, 400);
  assert.match(await message(large), /too large/);
  const ok = await post('/test/body', '{"Name":"a"}');
  assert.deepEqual(await ok.json(), { Name: 'a' });
});

async function readLines(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('events: since/until replay with filters, then the stream ends', async () => {
  const { app: a, bus } = app();
  bus.publish({
    type: 'container',
    action: 'start',
    actor: { id: 'abc123', attributes: { name: 'web', image: 'busybox' } },
  });
  bus.publish({
    type: 'image',
    action: 'pull',
    actor: { id: 'busybox:latest', attributes: { name: 'busybox:latest' } },
  });
  bus.publish({ type: 'daemon', action: 'reload', actor: { id: 'd1', attributes: { name: 'host' } } });
  await delay(5);
  const until = (Date.now() / 1000).toFixed(3);
  const q = (filters?: object) =>
    `/events?since=0&until=${until}${filters ? `&filters=${encodeURIComponent(JSON.stringify(filters))}` : ''}`;
  const all = await readLines(await a.request(q()));
  assert.deepEqual(
    all.map((e) => e.Action),
    ['start', 'pull', 'reload'],
  );
  const first = all[0] as Record<string, unknown>;
  assert.equal(first.status, 'start');
  assert.equal(first.id, 'abc123');
  assert.equal(first.from, 'busybox');
  assert.equal(first.scope, 'local');
  assert.equal(typeof first.timeNano, 'number');
  assert.deepEqual(
    (await readLines(await a.request(q({ type: ['image'] })))).map((e) => e.Action),
    ['pull'],
  );
  assert.deepEqual(
    (await readLines(await a.request(q({ container: { web: true } })))).map((e) => e.Action),
    ['start'],
  );
  assert.deepEqual(
    (await readLines(await a.request(q({ event: ['reload'] })))).map((e) => e.Type),
    ['daemon'],
  );
  assert.deepEqual(
    (await readLines(await a.request(q({ image: ['busybox'] })))).map((e) => e.Action),
    ['start', 'pull'],
  );
});

test('events: bad filters and bad timestamps are 400 before any stream', async () => {
  const { app: a } = app();
  const bad = await a.request(`/events?filters=${encodeURIComponent('{"colour":["red"]}')}`);
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { message: "invalid filter 'colour'" });
  assert.equal((await a.request('/events?filters=%7B')).status, 400);
  assert.equal((await a.request('/events?since=yesterday')).status, 400);
});

test('events: a live event reaches an open stream', async () => {
  const { app: a, bus } = app();
  const controller = new AbortController();
  const res = await a.request('/events', { signal: controller.signal });
  assert.equal(res.status, 200);
  const reader = res.body?.getReader();
  assert.ok(reader);
  bus.publish({ type: 'volume', action: 'create', actor: { id: 'v1', attributes: { driver: 'local' } } });
  const { value } = await reader.read();
  assert.equal(JSON.parse(new TextDecoder().decode(value)).Actor.ID, 'v1');
  await reader.cancel();
});

test("POST /build streams the build backend's messages; /build/prune answers what it pruned; bad filters are 400", async () => {
  const seen: string[] = [];
  const app = createApp({
    ...fakeBackends(),
    build: {
      build: async (body, query) => {
        for await (const chunk of body) seen.push(Buffer.from(chunk as Buffer).toString());
        seen.push(query.tags.join(','));
        return (async function* () {
          yield { stream: 'Step 1/1 : FROM scratch\n' };
        })();
      },
    },
  });
  const build = await app.request('/v1.51/build?t=x', { method: 'POST', body: 'context' });
  assert.equal(build.status, 200);
  assert.equal(await build.text(), '{"stream":"Step 1/1 : FROM scratch\\n"}\r\n');
  assert.deepEqual(seen, ['context', 'x']);
  const prune = await app.request('/v1.51/build/prune?all=1', { method: 'POST' });
  assert.equal(prune.status, 200);
  assert.deepEqual(await prune.json(), { CachesDeleted: [], SpaceReclaimed: 0 });
  assert.equal((await app.request('/v1.51/build/prune?filters=%7Bbad', { method: 'POST' })).status, 400);
});
