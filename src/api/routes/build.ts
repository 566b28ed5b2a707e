import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Hono } from 'hono';
import { z } from 'zod';
import { InvalidParameter, NotImplemented } from '../../errdefs/index.js';
import { lazySchema } from '../../types/lazy-schema.js';
import type { ApiEnv } from '../env.js';
import { DockerQuery } from '../query.js';
import { jsonLinesStream } from '../streams/json-lines.js';

/** POST /build's options, parsed from its query. */
export interface BuildQuery {
  tags: string[];
  dockerfile: string;
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target?: string;
  noCache: boolean;
  rm: boolean;
  forceRm: boolean;
  quiet: boolean;
  pull: boolean;
  host: { networkMode: string; shmSize?: number; extraHosts: string[] };
  platform?: string;
}

/** docker build with the classic builder. Errors are errdefs kinds. */
export interface BuildBackend {
  /**
   * Reads the context and parses the Dockerfile (a failure rejects: the request's error),
   * then yields the build's JSON messages (a later failure is the last message).
   */
  build(body: Readable, query: BuildQuery, signal: AbortSignal): Promise<AsyncIterable<unknown>>;
}

const BuildArgsSchema = lazySchema(() => z.record(z.string(), z.string().nullable()));
const LabelsSchema = lazySchema(() => z.record(z.string(), z.string()));

function jsonQuery<T>(q: DockerQuery, key: string, schema: z.ZodType<T>, empty: T): T {
  const raw = q.string(key);
  if (raw === undefined || raw === '' || raw === 'null') return empty;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidParameter(`invalid ${key} (not JSON): ${raw}`);
  }
  const r = schema.safeParse(parsed);
  if (!r.success) throw new InvalidParameter(`invalid ${key}: ${raw}`);
  return r.data;
}

/**
 * Options the classic builder has that rootlessd's does not: a request that sets one (to
 * anything but its zero value) is refused by name rather than built without it.
 */
const UNSUPPORTED: Record<string, string> = {
  memory: 'memory limits for build containers',
  memswap: 'memory limits for build containers',
  cpushares: 'CPU limits for build containers',
  cpusetcpus: 'CPU limits for build containers',
  cpusetmems: 'CPU limits for build containers',
  cpuperiod: 'CPU limits for build containers',
  cpuquota: 'CPU limits for build containers',
  cgroupparent: 'a cgroup parent for build containers',
  ulimits: 'ulimits for build containers',
  squash: 'squashing the built image',
  securityopt: 'security options for build containers',
  cachefrom: 'cache sources (--cache-from)',
  session: 'build sessions (BuildKit)',
  outputs: 'build outputs (BuildKit)',
  isolation: 'isolation modes',
};

function isZero(value: string): boolean {
  return ['', '0', 'false', 'null', '[]', '{}', 'default'].includes(value.trim().toLowerCase());
}

export function parseBuildQuery(q: DockerQuery): BuildQuery {
  const remote = q.string('remote');
  if (remote)
    throw new InvalidParameter(
      `rootlessd does not fetch remote build contexts (${remote}): clone or download it and build from a local folder`,
    );
  const version = q.string('version');
  if (version && version !== '1')
    throw new NotImplemented(
      `builder version ${version} (BuildKit) is not available: rootlessd has the classic builder`,
    );
  for (const [key, what] of Object.entries(UNSUPPORTED)) {
    for (const v of q.strings(key))
      if (!isZero(v)) throw new NotImplemented(`rootlessd's builder does not support ${what} (${key}=${v})`);
  }
  const extraHosts = q
    .strings('extrahosts')
    .flatMap((h) => h.split(','))
    .filter(Boolean);
  const shmSize = q.int('shmsize');
  const target = q.string('target');
  const platform = q.string('platform');
  const networkMode = q.string('networkmode') ?? '';
  return {
    tags: q.strings('t').filter(Boolean),
    dockerfile: q.string('dockerfile') ?? '',
    buildArgs: jsonQuery(q, 'buildargs', BuildArgsSchema, {}),
    labels: jsonQuery(q, 'labels', LabelsSchema, {}),
    ...(target ? { target } : {}),
    noCache: q.bool('nocache'),
    rm: q.bool('rm', true),
    forceRm: q.bool('forcerm'),
    quiet: q.bool('q'),
    pull: q.bool('pull'),
    host: { networkMode, ...(shmSize ? { shmSize } : {}), extraHosts },
    ...(platform ? { platform } : {}),
  };
}

/** POST /build: the body is the context (a tar, plain or gzip); the answer the build's messages. */
export function buildRoutes(backend: BuildBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();
  r.post('/build', async (c) => {
    const query = parseBuildQuery(DockerQuery.fromUrl(c.req.url));
    const body = c.req.raw.body;
    if (!body)
      throw new InvalidParameter('the build context (a tar archive) must be sent as the request body');
    const controller = new AbortController();
    c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true });
    const messages = await backend.build(
      Readable.fromWeb(body as NodeReadableStream<Uint8Array>),
      query,
      controller.signal,
    );
    const stream = jsonLinesStream(messages, {
      separator: '\r\n',
      onCancel: () => controller.abort(),
      onError: (err) => {
        const message = err instanceof Error ? err.message : String(err);
        return { errorDetail: { message }, error: message };
      },
    });
    return c.body(stream, 200, { 'Content-Type': 'application/json' });
  });
  return r;
}
