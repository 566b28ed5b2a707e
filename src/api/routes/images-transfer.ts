import { Hono } from 'hono';
import type { ImageProgressMessage } from '../backends.js';
import type { ApiEnv } from '../env.js';
import type { Filters } from '../query.js';
import { DockerQuery } from '../query.js';
import { jsonLinesStream } from '../streams/json-lines.js';
import { progressError } from './images.js';

/** `GET /distribution/{name}/json` (Docker's registry.DistributionInspect). */
export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number };
  Platforms: { architecture: string; os: string; variant?: string; 'os.version'?: string }[];
}

/** One result of `GET /images/search`. */
export interface ImageSearchResult {
  star_count: number;
  is_official: boolean;
  name: string;
  is_automated: boolean;
  description: string;
}

export interface ImportQuery {
  fromSrc: string;
  repo?: string;
  tag?: string;
  message?: string;
  changes: string[];
  platform?: string;
}

/** Push, save, load, import, distribution inspect and search. */
export interface ImageTransferBackend {
  /** Finds the local tags (NotFound rejects before any output), then streams the push. */
  push(
    query: { name: string; tag?: string; registryAuth?: string },
    signal: AbortSignal,
  ): Promise<AsyncIterable<ImageProgressMessage>>;
  /** Checks every name first (rejects), then the archive's bytes. */
  save(names: string[], signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /**
   * Reads the whole archive and rejects for a bad one; then streams `Loading layer` progress
   * (unless quiet) and the `Loaded image` lines (a later failure ends the stream with it).
   */
  load(
    body: ReadableStream<Uint8Array> | null,
    query: { quiet: boolean },
    signal: AbortSignal,
  ): Promise<AsyncIterable<ImageProgressMessage & { stream?: string }>>;
  /** Imports a root file system tarball; returns the new image id. */
  importImage(
    body: ReadableStream<Uint8Array> | null,
    query: ImportQuery,
    signal: AbortSignal,
  ): Promise<string>;
  distribution(
    name: string,
    registryAuth: string | undefined,
    signal: AbortSignal,
  ): Promise<DistributionInspect>;
  search(
    query: { term: string; limit?: number; filters: Filters; registryAuth?: string },
    signal: AbortSignal,
  ): Promise<ImageSearchResult[]>;
}

function progressStream(
  messages: AsyncIterable<unknown>,
  controller: AbortController,
): ReadableStream<Uint8Array> {
  return jsonLinesStream(messages, {
    separator: '\r\n',
    onCancel: () => controller.abort(),
    onError: progressError,
  });
}

function linkedController(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}

async function* once<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/**
 * The image transfer routes. Mounted after the images routes: POST /images/create with
 * `fromSrc` (import) arrives here when the pull handler passes it on.
 */
export function imagesTransferRoutes(backend: ImageTransferBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();

  r.post('/images/create', async (c, next) => {
    const query = DockerQuery.fromUrl(c.req.url);
    const fromSrc = query.string('fromSrc');
    if (fromSrc === undefined) return next();
    const controller = linkedController(c.req.raw.signal);
    const id = await backend.importImage(
      c.req.raw.body,
      {
        fromSrc,
        changes: query.strings('changes'),
        ...Object.fromEntries(
          (['repo', 'tag', 'message', 'platform'] as const)
            .map((k) => [k, query.string(k)])
            .filter(([, v]) => v !== undefined && v !== ''),
        ),
      },
      controller.signal,
    );
    return c.body(progressStream(once([{ status: id }]), controller), 200, {
      'Content-Type': 'application/json',
    });
  });

  r.post('/images/load', async (c) => {
    const controller = linkedController(c.req.raw.signal);
    // Docker's default is quiet: the CLI asks for progress (quiet=0) on a terminal only.
    const quiet = DockerQuery.fromUrl(c.req.url).bool('quiet', true);
    const messages = await backend.load(c.req.raw.body, { quiet }, controller.signal);
    return c.body(progressStream(messages, controller), 200, { 'Content-Type': 'application/json' });
  });

  r.get('/images/get', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    const controller = linkedController(c.req.raw.signal);
    const stream = await backend.save(query.strings('names'), controller.signal);
    return c.body(stream, 200, { 'Content-Type': 'application/x-tar' });
  });

  r.get('/images/search', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    const registryAuth = c.req.header('X-Registry-Auth');
    const limit = query.int('limit');
    return c.json(
      await backend.search(
        {
          term: query.string('term') ?? '',
          filters: query.filters(),
          ...(limit !== undefined ? { limit } : {}),
          ...(registryAuth ? { registryAuth } : {}),
        },
        c.req.raw.signal,
      ),
    );
  });

  r.get('/images/:name{.+}/get', async (c) => {
    const controller = linkedController(c.req.raw.signal);
    const stream = await backend.save([c.req.param('name')], controller.signal);
    return c.body(stream, 200, { 'Content-Type': 'application/x-tar' });
  });

  r.post('/images/:name{.+}/push', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    const controller = linkedController(c.req.raw.signal);
    const tag = query.string('tag');
    const registryAuth = c.req.header('X-Registry-Auth');
    const messages = await backend.push(
      { name: c.req.param('name'), ...(tag ? { tag } : {}), ...(registryAuth ? { registryAuth } : {}) },
      controller.signal,
    );
    return c.body(progressStream(messages, controller), 200, { 'Content-Type': 'application/json' });
  });

  r.get('/distribution/:name{.+}/json', async (c) =>
    c.json(
      await backend.distribution(c.req.param('name'), c.req.header('X-Registry-Auth'), c.req.raw.signal),
    ),
  );

  return r;
}
