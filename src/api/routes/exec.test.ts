import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runtimeMessage } from '../../engine/containers/exec-service.js';
import { mergeEnv } from '../../engine/containers/exec-spec.js';
import { Conflict, NotFound } from '../../errdefs/index.js';
import type { ExecBackend, ExecCreateConfig } from '../backends.js';
import { createApp } from '../create-app.js';
import { fakeBackends } from '../testing/fake-backends.js';

function app(overrides: Partial<ExecBackend>) {
  const fail = () => {
    throw new Error('not expected');
  };
  const exec = { create: fail, start: fail, resize: fail, inspect: fail, ...overrides } as ExecBackend;
  return createApp({ ...fakeBackends(), exec });
}

test('exec create answers 201 with the Id and fills defaults', async () => {
  let seen: { ref: string; config: ExecCreateConfig } | undefined;
  const a = app({
    create: async (ref, config) => {
      seen = { ref, config };
      return { Id: 'e'.repeat(64) };
    },
  });
  const res = await a.request('/v1.51/containers/web/exec', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Cmd: ['echo', 'hi'], AttachStdout: true, Env: ['A=1'] }),
  });
  assert.equal(res.status, 201);
  assert.deepEqual(await res.json(), { Id: 'e'.repeat(64) });
  assert.equal(seen?.ref, 'web');
  assert.deepEqual(seen?.config.Cmd, ['echo', 'hi']);
  assert.deepEqual(seen?.config.Env, ['A=1']);
  assert.equal(seen?.config.AttachStdout, true);
  assert.equal(seen?.config.AttachStdin, false);
  assert.equal(seen?.config.Tty, false);
  assert.equal(seen?.config.User, '');
});

test('exec create into a stopped container is 409 with the message', async () => {
  const a = app({
    create: async () => {
      throw new Conflict('container abc is not running');
    },
  });
  const res = await a.request('/containers/abc/exec', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Cmd: ['true'] }),
  });
  assert.equal(res.status, 409);
  assert.deepEqual(await res.json(), { message: 'container abc is not running' });
});

test('a wrongly typed field is 400', async () => {
  const a = app({});
  const res = await a.request('/containers/abc/exec', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Cmd: 'true' }),
  });
  assert.equal(res.status, 400);
});

test('exec inspect of an unknown id is 404; resize passes h and w', async () => {
  let size: number[] = [];
  const a = app({
    inspect: (id) => {
      throw new NotFound(`No such exec instance: ${id}`);
    },
    resize: async (_id, h, w) => {
      size = [h, w];
    },
  });
  const res = await a.request('/exec/nope/json');
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), { message: 'No such exec instance: nope' });
  const r2 = await a.request('/exec/x/resize?h=30&w=100', { method: 'POST' });
  assert.equal(r2.status, 200);
  assert.deepEqual(size, [30, 100]);
});

test('mergeEnv replaces keys in place and appends new ones', () => {
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3']), ['PATH=/bin', 'A=2', 'B=3']);
});

test("runtimeMessage extracts runc's message from conmon's error", () => {
  const text =
    'conmon exec: time="2026-11-23T17:09:03Z" level=error msg="exec failed: exec: \\"nosuch\\": executable file not found in $PATH"\n';
  assert.equal(runtimeMessage(text), 'exec failed: exec: "nosuch": executable file not found in $PATH');
  assert.equal(runtimeMessage('conmon exec: boom'), 'boom');
});
