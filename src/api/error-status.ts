import { type ErrorKind, kindOf } from '../errdefs/index.js';
import { moduleLogger } from '../log/index.js';

const log = moduleLogger('api');

/** The one table from error kind to HTTP status. The compiler demands every kind. */
export const ERROR_STATUS: Record<ErrorKind, number> = {
  NotFound: 404,
  InvalidParameter: 400,
  Conflict: 409,
  NotModified: 304,
  Unauthorized: 401,
  Forbidden: 403,
  NotImplemented: 501,
  Unavailable: 503,
  Cancelled: 499,
  Internal: 500,
};

export interface ErrorAnswer {
  status: number;
  body: { message: string };
}

/** Maps any thrown value to its status and Docker's `{"message": ...}` body, and logs it. */
export function errorAnswer(err: unknown, where?: { method: string; path: string }): ErrorAnswer {
  const kind = kindOf(err);
  const status = ERROR_STATUS[kind];
  const message = err instanceof Error ? err.message : String(err);
  if (status >= 500) log.error({ err, kind, ...where }, 'request failed');
  else if (kind === 'Cancelled') log.info({ kind, ...where, message }, 'request cancelled');
  else log.debug({ kind, ...where, message }, 'request rejected');
  return { status, body: { message } };
}
