import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hono } from 'hono';
import { isRootlessdError } from '../../errdefs/index.js';
import { errorAnswer } from '../error-status.js';
import { DockerQuery } from '../query.js';
import { type BuildQuery, buildRoutes, parseBuildQuery } from './build.js';

const parse = (qs: string) => parseBuildQuery(DockerQuery.fromUrl(`http://d/build?${qs}`));

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isRootlessdError(err) ? `${err.kind}: ${err.message}` : String(err);
  }
  return 'none';
}

test('the query as the docker CLI and docker-py send it', () => {
  const q = parse(
    't=a&t=b%3Av1&dockerfile=sub%2FDf&buildargs=%7B%22A%22%3A%221%22%2C%22B%22%3Anull%7D&labels=%7B%22l%22%3A%22v%22%7D&target=final&nocache=1&rm=0&forcerm=1&q=1&pull=1&networkmode=none&extrahosts=h%3A1.2.3.4&shmsize=1048576&platform=linux%2Famd64&version=1&memory=0&cachefrom=%5B%5D&ulimits=null&squash=False',
  );
  assert.deepEqual(q, {
    tags: ['a', 'b:v1'],
    dockerfile: 'sub/Df',
    buildArgs: { A: '1', B: null },
    labels: { l: 'v' },
    target: 'final',
    noCache: true,
    rm: false,
    forceRm: true,
    quiet: true,
    pull: true,
    host: { networkMode: 'none', shmSize: 1048576, extraHosts: ['h:1.2.3.4'] },
    platform: 'linux/amd64',
  } satisfies BuildQuery);
  assert.equal(parse('').rm, true, 'rm defaults to true');
});

test('remote contexts, BuildKit and options the builder lacks are refused by name', () => {
  assert.match(
    kindOf(() => parse('remote=https%3A%2F%2Fexample.com%2Fx.git')),
    /^InvalidParameter: .*remote build contexts/,
  );
  assert.match(
    kindOf(() => parse('version=2')),
    /^NotImplemented: .*BuildKit/,
  );
  assert.match(
    kindOf(() => parse('memory=1000000')),
    /^NotImplemented: .*memory limits.*memory=1000000/,
  );
  assert.match(
    kindOf(() => parse('cachefrom=%5B%22x%22%5D')),
    /^NotImplemented: .*--cache-from/,
  );
  assert.match(
    kindOf(() => parse('buildargs=%7Bbad')),
    /^InvalidParameter: invalid buildargs/,
  );
});

test('an error before the first message is the request error; later ones end the stream', async () => {
  const app = new Hono();
  app.route(
    '/',
    buildRoutes({
      build: async (_body, query) => {
        if (query.target === 'bad')
          throw new (await import('../../errdefs/index.js')).InvalidParameter('nope');
        return (async function* () {
          yield { stream: 'one\n' };
          throw new Error('boom');
        })();
      },
    }),
  );
  app.onError((err) => {
    const { status, body } = errorAnswer(err, { method: 'POST', path: '/build' });
    return Response.json(body, { status });
  });
  const bad = await app.request('/build?target=bad', { method: 'POST', body: 'x' });
  assert.equal(bad.status, 400);
  const ok = await app.request('/build', { method: 'POST', body: 'x' });
  assert.equal(ok.status, 200);
  assert.equal(
    await ok.text(),
    '{"stream":"one\\n"}\r\n{"errorDetail":{"message":"boom"},"error":"boom"}\r\n',
  );
});
