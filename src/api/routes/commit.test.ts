import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParameter, NotFound } from '../../errdefs/index.js';
import { createApp } from '../create-app.js';
import { fakeBackends } from '../testing/fake-backends.js';
import type { CommitBackend, CommitQuery } from './commit.js';

function setup() {
  const calls: CommitQuery[] = [];
  const commit: CommitBackend = {
    async commit(q) {
      if (q.container === 'nope') throw new NotFound('No such container: nope');
      if (q.changes.some((c) => c.startsWith('RUN')))
        throw new InvalidParameter('run is not a valid change command');
      calls.push(q);
      return `sha256:${'1'.repeat(64)}`;
    },
  };
  return { app: createApp({ ...fakeBackends(), commit }), calls };
}

test('POST /commit answers 201 {"Id"} and passes the query on (pause defaults to true)', async () => {
  const { app, calls } = setup();
  const res = await app.request(
    '/v1.51/commit?container=c1&repo=me/app&tag=v1&comment=hi&author=me&changes=ENV%20A%3D1&changes=CMD%20x',
    { method: 'POST' },
  );
  assert.equal(res.status, 201);
  assert.deepEqual(await res.json(), { Id: `sha256:${'1'.repeat(64)}` });
  assert.deepEqual(calls[0], {
    container: 'c1',
    repo: 'me/app',
    tag: 'v1',
    comment: 'hi',
    author: 'me',
    pause: true,
    changes: ['ENV A=1', 'CMD x'],
  });
});

test('a JSON body is the config; null is none; pause=0 is false', async () => {
  const { app, calls } = setup();
  const json = (body: string) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  assert.equal((await app.request('/commit?container=c&pause=0', json('{"Cmd":["a"]}'))).status, 201);
  assert.deepEqual(calls[0]?.config, { Cmd: ['a'] });
  assert.equal(calls[0]?.pause, false);
  assert.equal((await app.request('/commit?container=c', json('null'))).status, 201);
  assert.equal(calls[1]?.config, undefined);
  assert.equal((await app.request('/commit?container=c', json('[1]'))).status, 400);
});

test('errors keep Docker’s status and message', async () => {
  const { app } = setup();
  const missing = await app.request('/commit?container=nope', { method: 'POST' });
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { message: 'No such container: nope' });
  const bad = await app.request('/commit?container=c&changes=RUN%20x', { method: 'POST' });
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { message: 'run is not a valid change command' });
});
