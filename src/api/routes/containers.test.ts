import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Conflict, NotFound, NotModified } from '../../errdefs/index.js';
import { createApp } from '../create-app.js';
import { encodeFrame, encodeLogBatch, StreamType } from '../streams/multiplexed.js';
import { fakeBackends } from '../testing/fake-backends.js';
import type { ContainersBackend } from './containers-backend.js';

function app(overrides: Partial<ContainersBackend>) {
  const fail = () => {
    throw new Error('not expected');
  };
  const containers = {
    create: fail,
    list: fail,
    inspect: fail,
    start: fail,
    stop: fail,
    restart: fail,
    kill: fail,
    wait: fail,
    remove: fail,
    rename: fail,
    resize: fail,
    logs: fail,
    attach: fail,
    ...overrides,
  } as ContainersBackend;
  return createApp({ ...fakeBackends(), containers });
}

test('create answers 201 with Id and Warnings, passing the name', async () => {
  let seen: string | undefined;
  const a = app({
    create: async (req, name) => {
      seen = `${req.Image}/${name}`;
      return { Id: 'x'.repeat(64), Warnings: ['w'] };
    },
  });
  const res = await a.request('/v1.51/containers/create?name=web', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Image: 'busybox', Cmd: ['true'] }),
  });
  assert.equal(res.status, 201);
  assert.deepEqual(await res.json(), { Id: 'x'.repeat(64), Warnings: ['w'] });
  assert.equal(seen, 'busybox/web');
});

test('a bad body is 400; a missing body is 400', async () => {
  const a = app({});
  const res = await a.request('/containers/create', { method: 'POST', body: '{"Cmd": 5}' });
  assert.equal(res.status, 400);
  const empty = await a.request('/containers/create', { method: 'POST' });
  assert.equal(empty.status, 400);
});

test('errors map: 404 unknown, 409 conflict, 304 already stopped', async () => {
  const a = app({
    start: async () => {
      throw new NotFound('No such container: nope');
    },
    remove: async () => {
      throw new Conflict('cannot remove container "/x": container is running');
    },
    stop: async () => {
      throw new NotModified('already stopped');
    },
  });
  const start = await a.request('/containers/nope/start', { method: 'POST' });
  assert.equal(start.status, 404);
  assert.deepEqual(await start.json(), { message: 'No such container: nope' });
  assert.equal((await a.request('/containers/x', { method: 'DELETE' })).status, 409);
  assert.equal((await a.request('/containers/x/stop?t=1', { method: 'POST' })).status, 304);
});

test('wait streams the exit code; an unknown condition is 400', async () => {
  const a = app({ wait: async () => ({ exitCode: 3 }) });
  const res = await a.request('/containers/x/wait?condition=next-exit', { method: 'POST' });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { StatusCode: 3, Error: null });
  const bad = await a.request('/containers/x/wait?condition=soon', { method: 'POST' });
  assert.equal(bad.status, 400);
});

test('logs: multiplexed frames without a tty; at least one stream required', async () => {
  const a = app({
    logs: () => ({
      tty: false,
      chunks: (async function* () {
        yield [{ stream: 'stderr' as const, timestamp: 't', data: Buffer.from('e\n') }];
      })(),
    }),
  });
  const res = await a.request('/containers/x/logs?stderr=1');
  assert.equal(res.headers.get('content-type'), 'application/vnd.docker.multiplexed-stream');
  const body = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...body.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 2]);
  assert.equal(body.subarray(8).toString(), 'e\n');
  assert.equal((await a.request('/containers/x/logs')).status, 400);
});

test('logs: tail as Docker reads it (negative or not a number = all; fractional since)', async () => {
  const seen: Array<{ tail: number | undefined; since: number }> = [];
  const a = app({
    logs: (_id, q) => {
      seen.push({ tail: q.tail, since: q.since });
      return { tty: false, chunks: (async function* () {})() };
    },
  });
  for (const query of [
    'tail=-1',
    'tail=all',
    'tail=',
    'tail=x',
    'tail=3',
    'tail=%2B2&since=1700000000.5',
    'tail=0',
  ])
    assert.equal((await a.request(`/containers/x/logs?stdout=1&${query}`)).status, 200, query);
  assert.deepEqual(
    seen.map((s) => s.tail),
    [undefined, undefined, undefined, undefined, 3, 2, 0],
  );
  assert.equal(seen[5]?.since, 1700000000.5);
});

test('encodeLogBatch: frames as encodeFrame makes them, raw with a tty, timestamps first', () => {
  const entries = [
    { stream: 'stdout' as const, timestamp: 't1', data: Buffer.from('a\n') },
    { stream: 'stderr' as const, timestamp: 't2', data: Buffer.from('bc\n') },
  ];
  assert.deepEqual(
    encodeLogBatch(entries, false, false),
    Buffer.concat([
      encodeFrame(StreamType.stdout, Buffer.from('a\n')),
      encodeFrame(StreamType.stderr, Buffer.from('bc\n')),
    ]),
  );
  assert.equal(encodeLogBatch(entries, true, true).toString(), 't1 a\nt2 bc\n');
  assert.deepEqual(
    encodeLogBatch(entries, false, true).subarray(0, 8),
    Buffer.from([1, 0, 0, 0, 0, 0, 0, 5]),
  );
});
