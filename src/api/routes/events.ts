import { Hono } from 'hono';
import type { EventsBackend } from '../backends.js';
import type { ApiEnv } from '../env.js';
import { errorAnswer } from '../error-status.js';
import { DockerQuery } from '../query.js';
import { jsonLinesStream } from '../streams/json-lines.js';

/** GET /events: a JSON-lines stream, one event per line, flushed as each arrives. */
export function eventsRoutes(backend: EventsBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();

  r.get('/events', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    const controller = new AbortController();
    c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true });
    const source = backend.subscribeEvents(
      { since: query.string('since'), until: query.string('until'), filters: query.filters() },
      controller.signal,
    );
    const stream = jsonLinesStream(source, {
      onCancel: () => controller.abort(),
      onError: (err) => errorAnswer(err).body,
    });
    return c.body(stream, 200, { 'Content-Type': 'application/json' });
  });

  return r;
}
