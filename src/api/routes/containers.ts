import { Hono } from 'hono';
import { InvalidParameter } from '../../errdefs/index.js';
import { ContainerCreateRequestSchema } from '../../types/container-create.js';
import { readJsonBody } from '../body.js';
import type { ApiEnv } from '../env.js';
import { DockerQuery } from '../query.js';
import { encodeLogBatch } from '../streams/multiplexed.js';
import type { ContainerLogQuery, ContainersBackend } from './containers-backend.js';

const CONDITIONS = new Set(['not-running', 'next-exit', 'removed']);

/** Docker's time forms for since/until: seconds (with fractions), or RFC 3339. */
export function parseTimeParam(raw: string | undefined, key: string): number {
  if (raw === undefined || raw === '') return 0;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new InvalidParameter(`invalid value for ${key}: ${JSON.stringify(raw)}`);
  return t / 1000;
}

function logQuery(query: DockerQuery): ContainerLogQuery {
  // Docker (daemon/logs.go): a tail that strconv.Atoi refuses, or a negative one, means all.
  const tailRaw = query.string('tail');
  const tailNumber = tailRaw !== undefined && /^[+-]?\d+$/.test(tailRaw) ? Number(tailRaw) : -1;
  const tail = tailNumber >= 0 ? tailNumber : undefined;
  const q: ContainerLogQuery = {
    stdout: query.bool('stdout'),
    stderr: query.bool('stderr'),
    follow: query.bool('follow'),
    since: parseTimeParam(query.string('since'), 'since'),
    until: parseTimeParam(query.string('until'), 'until'),
    tail,
    timestamps: query.bool('timestamps'),
  };
  if (!q.stdout && !q.stderr)
    throw new InvalidParameter('Bad parameters: you must choose at least one stream');
  return q;
}

function stopOptions(query: DockerQuery): { timeout?: number; signal?: string } {
  return { timeout: query.int('t'), signal: query.string('signal') || undefined };
}

/** /containers/*: create, list, inspect, lifecycle, logs. Attach is in containers-attach.ts. */
export function containersRoutes(backend: ContainersBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();

  r.post('/containers/create', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    const body = await readJsonBody(c, ContainerCreateRequestSchema);
    const result = await backend.create(
      body,
      query.string('name') || undefined,
      query.string('platform') || undefined,
    );
    return c.json(result, 201);
  });

  r.get('/containers/json', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    const limit = query.int('limit');
    return c.json(
      await backend.list({
        all: query.bool('all'),
        limit: limit !== undefined && limit > 0 ? limit : undefined,
        filters: query.filters(),
        size: query.bool('size'),
      }),
    );
  });

  r.get('/containers/:id/json', async (c) => {
    const id = c.req.param('id');
    const view = backend.inspect(id);
    const query = DockerQuery.fromUrl(c.req.url);
    if (query.bool('size') && backend.sizes) return c.json({ ...view, ...(await backend.sizes(id)) });
    return c.json(view);
  });

  r.post('/containers/:id/start', async (c) => {
    await backend.start(c.req.param('id'));
    return c.body(null, 204);
  });

  r.post('/containers/:id/stop', async (c) => {
    await backend.stop(c.req.param('id'), stopOptions(DockerQuery.fromUrl(c.req.url)));
    return c.body(null, 204);
  });

  r.post('/containers/:id/restart', async (c) => {
    await backend.restart(c.req.param('id'), stopOptions(DockerQuery.fromUrl(c.req.url)));
    return c.body(null, 204);
  });

  r.post('/containers/:id/kill', async (c) => {
    await backend.kill(c.req.param('id'), DockerQuery.fromUrl(c.req.url).string('signal') || undefined);
    return c.body(null, 204);
  });

  r.post('/containers/:id/wait', async (c) => {
    const condition = DockerQuery.fromUrl(c.req.url).string('condition') || 'not-running';
    if (!CONDITIONS.has(condition)) throw new InvalidParameter(`invalid condition: "${condition}"`);
    const controller = new AbortController();
    const exit = backend.wait(c.req.param('id'), condition as 'not-running', controller.signal);
    // The status line goes out now (the client knows the wait is registered); the body at the exit.
    const body = new ReadableStream<Uint8Array>({
      async start(ctl) {
        try {
          const info = await exit;
          ctl.enqueue(
            new TextEncoder().encode(
              `${JSON.stringify({ StatusCode: info.exitCode, Error: info.error ? { Message: info.error } : null })}\n`,
            ),
          );
          ctl.close();
        } catch {
          ctl.close();
        }
      },
      cancel() {
        controller.abort();
      },
    });
    // A 404 must be a status, not a stream: let a synchronous-looking rejection surface first.
    await Promise.race([exit.then(() => undefined), new Promise((r) => setImmediate(r))]);
    return c.body(body, 200, { 'Content-Type': 'application/json' });
  });

  r.delete('/containers/:id', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    if (query.bool('link')) throw new InvalidParameter('links are not supported by rootlessd');
    await backend.remove(c.req.param('id'), { force: query.bool('force'), volumes: query.bool('v') });
    return c.body(null, 204);
  });

  r.post('/containers/:id/rename', async (c) => {
    const name = DockerQuery.fromUrl(c.req.url).string('name');
    if (!name) throw new InvalidParameter('name is required');
    await backend.rename(c.req.param('id'), name);
    return c.body(null, 204);
  });

  r.post('/containers/:id/resize', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    await backend.resize(c.req.param('id'), query.int('h', 0), query.int('w', 0));
    return c.body(null, 200);
  });

  r.get('/containers/:id/logs', (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    const options = logQuery(query);
    const controller = new AbortController();
    c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true });
    const { tty, chunks } = backend.logs(c.req.param('id'), options, controller.signal);
    const iterator = chunks[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        const next = await iterator.next();
        if (next.done) {
          ctl.close();
          return;
        }
        // One write per batch (a block of the log), not one per line.
        ctl.enqueue(encodeLogBatch(next.value, tty, options.timestamps));
      },
      cancel() {
        controller.abort();
        void iterator.return?.();
      },
    });
    return c.body(body, 200, {
      'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream',
    });
  });

  return r;
}
