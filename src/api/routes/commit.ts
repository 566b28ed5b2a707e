import { Hono } from 'hono';
import { z } from 'zod';
import { lazySchema } from '../../types/lazy-schema.js';
import { readJsonBody } from '../body.js';
import type { ApiEnv } from '../env.js';
import { DockerQuery } from '../query.js';

/** `POST /commit`'s parameters. The body (a container config) is optional; `null` is none. */
export interface CommitQuery {
  container: string;
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  pause: boolean;
  changes: string[];
  config?: Record<string, unknown>;
}

/** docker commit. Errors are errdefs kinds. */
export interface CommitBackend {
  /** Returns the new image's id (`sha256:…`). */
  commit(query: CommitQuery, signal: AbortSignal): Promise<string>;
}

const CommitBodySchema = lazySchema(() => z.record(z.string(), z.unknown()).nullable());

/** POST /commit: answers 201 `{"Id": "sha256:…"}`. */
export function commitRoutes(backend: CommitBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();
  r.post('/commit', async (c) => {
    const q = DockerQuery.fromUrl(c.req.url);
    const config = await readJsonBody(c, CommitBodySchema, { optional: true });
    const opt = (key: string) => {
      const v = q.string(key);
      return v ? { [key]: v } : {};
    };
    const id = await backend.commit(
      {
        container: q.string('container') ?? '',
        ...opt('repo'),
        ...opt('tag'),
        ...opt('comment'),
        ...opt('author'),
        pause: q.bool('pause', true),
        changes: q.strings('changes'),
        ...(config ? { config } : {}),
      },
      c.req.raw.signal,
    );
    return c.json({ Id: id }, 201);
  });
  return r;
}
