import { Hono } from 'hono';
import type { ApiEnv } from '../env.js';
import { DockerQuery, type Filters } from '../query.js';

/** What prune/top/stats/pause/unpause/update need from the engine. Errors are errdefs kinds. */
export interface ContainerOpsBackend {
  prune(filters: Filters): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }>;
  top(ref: string, psArgs: string | undefined): Promise<{ Titles: string[]; Processes: string[][] }>;
  stats(
    ref: string,
    options: { stream: boolean; oneShot: boolean },
    signal: AbortSignal,
  ): AsyncIterable<unknown>;
  pause(ref: string): void;
  unpause(ref: string): void;
  update(ref: string, body: Record<string, unknown>): Promise<{ Warnings: string[] }>;
}

/** POST /containers/prune, GET /containers/{id}/top|stats, POST /containers/{id}/pause|unpause|update. */
export function containerOpsRoutes(backend: ContainerOpsBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();

  r.post('/containers/prune', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    return c.json(await backend.prune(query.filters()));
  });

  r.get('/containers/:id/top', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    return c.json(await backend.top(c.req.param('id'), query.string('ps_args') || undefined));
  });

  r.get('/containers/:id/stats', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    const stream = query.bool('stream', true);
    const oneShot = query.bool('one-shot');
    const controller = new AbortController();
    c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true });
    const iterator = backend
      .stats(c.req.param('id'), { stream, oneShot: oneShot && !stream }, controller.signal)
      [Symbol.asyncIterator]();
    // The first reading before the status line: a 404 stays a status.
    const first = await iterator.next();
    const enc = new TextEncoder();
    let pending: IteratorResult<unknown> | undefined = first;
    const body = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        const next = pending ?? (await iterator.next());
        pending = undefined;
        if (next.done) {
          ctl.close();
          return;
        }
        ctl.enqueue(enc.encode(`${JSON.stringify(next.value)}\n`));
      },
      cancel() {
        controller.abort();
        void iterator.return?.();
      },
    });
    return c.body(body, 200, { 'Content-Type': 'application/json' });
  });

  r.post('/containers/:id/pause', (c) => {
    backend.pause(c.req.param('id'));
    return c.body(null, 204);
  });

  r.post('/containers/:id/unpause', (c) => {
    backend.unpause(c.req.param('id'));
    return c.body(null, 204);
  });

  r.post('/containers/:id/update', async (c) => {
    const raw: unknown = await c.req.json().catch(() => ({}));
    const body = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    return c.json(await backend.update(c.req.param('id'), body));
  });

  return r;
}
