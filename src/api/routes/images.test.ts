import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFound } from '../../errdefs/index.js';
import type { ImageProgressMessage, ImagesBackend } from '../backends.js';
import { createApp } from '../create-app.js';
import { fakeBackends } from '../testing/fake-backends.js';

function backend(overrides: Partial<ImagesBackend>): ImagesBackend {
  const no = async () => {
    throw new NotFound('No such image: x');
  };
  return {
    pull: no,
    list: async () => [],
    inspect: no,
    history: no,
    tag: no,
    remove: no,
    prune: async () => ({ ImagesDeleted: null, SpaceReclaimed: 0 }),
    ...overrides,
  };
}

function app(images: ImagesBackend) {
  return createApp({ ...fakeBackends(), images });
}

test('a pull failing before any output answers its status', async () => {
  const a = app(
    backend({
      pull: async () => {
        throw new NotFound('manifest for x:latest not found: manifest unknown: manifest unknown');
      },
    }),
  );
  const res = await a.request('/v1.51/images/create?fromImage=x&tag=latest', { method: 'POST' });
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), {
    message: 'manifest for x:latest not found: manifest unknown: manifest unknown',
  });
});

test('a pull failing mid-stream ends with errorDetail', async () => {
  let seen: Record<string, string> = {};
  const a = app(
    backend({
      pull: async (query) => {
        seen = { ...query } as Record<string, string>;
        async function* messages(): AsyncGenerator<ImageProgressMessage> {
          yield { status: 'Pulling from library/x', id: 'latest' };
          throw new Error('layer refused');
        }
        return { messages: messages() };
      },
    }),
  );
  const res = await a.request('/images/create?fromImage=x&tag=v1', {
    method: 'POST',
    headers: { 'X-Registry-Auth': 'e30=' },
  });
  assert.equal(res.status, 200);
  assert.deepEqual(seen, { fromImage: 'x', tag: 'v1', registryAuth: 'e30=' });
  const lines = (await res.text()).split('\r\n').filter(Boolean);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l)),
    [
      { status: 'Pulling from library/x', id: 'latest' },
      { errorDetail: { message: 'layer refused' }, error: 'layer refused' },
    ],
  );
});

test('names with slashes reach inspect, tag and delete', async () => {
  const calls: string[] = [];
  const a = app(
    backend({
      inspect: async (name) => {
        calls.push(`inspect ${name}`);
        return {} as never;
      },
      tag: async (name, repo, tag) => {
        calls.push(`tag ${name} ${repo} ${tag}`);
      },
      remove: async (name, o) => {
        calls.push(`remove ${name} ${o.force} ${o.noprune}`);
        return [{ Untagged: name }];
      },
    }),
  );
  assert.equal((await a.request('/images/127.0.0.1:5000/a/b:v1/json')).status, 200);
  const t = await a.request('/images/a/b/tag?repo=c/d&tag=v2', { method: 'POST' });
  assert.equal(t.status, 201);
  const d = await a.request('/v1.51/images/h:5000/a/b:v1?force=1', { method: 'DELETE' });
  assert.deepEqual(await d.json(), [{ Untagged: 'h:5000/a/b:v1' }]);
  assert.deepEqual(calls, [
    'inspect 127.0.0.1:5000/a/b:v1',
    'tag a/b c/d v2',
    'remove h:5000/a/b:v1 true false',
  ]);
});
