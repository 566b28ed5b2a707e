import type { MiddlewareHandler } from 'hono';
import { checkApiVersion, MAX_API_VERSION, pathnameOf, splitVersionedPath } from '../api-version.js';
import type { ApiEnv } from '../env.js';

/**
 * Reads the /vX.Y prefix (routing already ignores it), refuses versions outside the
 * supported range with Docker's message, exposes the version as `apiVersion`, and puts the
 * `API-Version` header on every answer.
 */
export function apiVersionMiddleware(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const { version } = splitVersionedPath(pathnameOf(c.req.url));
    c.header('API-Version', MAX_API_VERSION);
    checkApiVersion(version);
    c.set('apiVersion', version);
    await next();
    c.res.headers.set('API-Version', MAX_API_VERSION);
  };
}
