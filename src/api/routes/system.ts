import { Hono } from 'hono';
import { MAX_API_VERSION } from '../api-version.js';
import type { SystemBackend } from '../backends.js';
import type { ApiEnv } from '../env.js';
import { DockerQuery } from '../query.js';

/** /_ping, /version, /info, /system/df, /build/prune (POST /build: build.ts). */
export function systemRoutes(backend: SystemBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();

  r.on(['GET', 'HEAD'], '/_ping', (c) => {
    const { experimental } = backend.ping();
    const headers = {
      'API-Version': MAX_API_VERSION,
      'Builder-Version': '1',
      'Docker-Experimental': String(experimental),
      OSType: 'linux',
      Swarm: 'inactive',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      'Content-Type': 'text/plain; charset=utf-8',
    };
    if (c.req.method === 'HEAD') return c.body(null, 200, { ...headers, 'Content-Length': '0' });
    return c.body('OK', 200, headers);
  });

  r.get('/version', async (c) => c.json(await backend.version(c.req.raw.signal)));

  r.get('/info', async (c) => c.json(await backend.info(c.req.raw.signal)));

  r.get('/system/df', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    return c.json(await backend.dataUsage({ types: query.strings('type') }, c.req.raw.signal));
  });

  r.post('/build/prune', async (c) => {
    // Malformed filters are a 400, as Docker's; well-formed ones select among the cache.
    DockerQuery.fromUrl(c.req.url).filters();
    return c.json(await backend.pruneBuildCache());
  });

  return r;
}
