import { Hono } from 'hono';
import type { ImagesBackend } from '../backends.js';
import type { ApiEnv } from '../env.js';
import { errorAnswer } from '../error-status.js';
import { DockerQuery } from '../query.js';
import { jsonLinesStream } from '../streams/json-lines.js';

/** Docker's error line of a progress stream that had already started. */
export function progressError(err: unknown): { errorDetail: { message: string }; error: string } {
  const { message } = errorAnswer(err).body;
  return { errorDetail: { message }, error: message };
}

/**
 * Pull, list, inspect, history, tag, remove and prune. POST /images/create with `fromSrc`
 * (import) and the transfer routes are left to the next handlers.
 */
export function imagesRoutes(backend: ImagesBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();

  r.post('/images/create', async (c, next) => {
    const query = DockerQuery.fromUrl(c.req.url);
    const fromImage = query.string('fromImage');
    if (!fromImage || query.has('fromSrc')) return next();
    const controller = new AbortController();
    c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true });
    const tag = query.string('tag');
    const platform = query.string('platform');
    const registryAuth = c.req.header('X-Registry-Auth');
    const { messages } = await backend.pull(
      {
        fromImage,
        ...(tag ? { tag } : {}),
        ...(platform ? { platform } : {}),
        ...(registryAuth ? { registryAuth } : {}),
      },
      controller.signal,
    );
    const stream = jsonLinesStream(messages, {
      separator: '\r\n',
      onCancel: () => controller.abort(),
      onError: progressError,
    });
    return c.body(stream, 200, { 'Content-Type': 'application/json' });
  });

  r.get('/images/json', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    return c.json(
      await backend.list({
        all: query.bool('all'),
        digests: query.bool('digests'),
        filters: query.filters(),
        sharedSize: query.bool('shared-size'),
        containers: false,
      }),
    );
  });

  r.post('/images/prune', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    return c.json(await backend.prune(query.filters()));
  });

  r.get('/images/:name{.+}/json', async (c) => c.json(await backend.inspect(c.req.param('name'))));

  r.get('/images/:name{.+}/history', async (c) => c.json(await backend.history(c.req.param('name'))));

  r.post('/images/:name{.+}/tag', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    await backend.tag(c.req.param('name'), query.string('repo') ?? '', query.string('tag'));
    return c.body(null, 201);
  });

  r.delete('/images/:name{.+}', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    return c.json(
      await backend.remove(c.req.param('name'), {
        force: query.bool('force'),
        noprune: query.bool('noprune'),
      }),
    );
  });

  return r;
}
