import type { MiddlewareHandler } from 'hono';
import { moduleLogger } from '../../log/index.js';

const log = moduleLogger('api.access');

/** One debug line per request: method, path, status, milliseconds. */
export function accessLogMiddleware(): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    log.debug(
      {
        method: c.req.method,
        url: c.req.url,
        status: c.res.status,
        ms: Math.round(performance.now() - start),
      },
      'request',
    );
  };
}
