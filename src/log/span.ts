import type { Logger } from 'pino';

/**
 * Times one step at debug level: `{ step, ms }` once it settles (also when it throws). Costs
 * nothing measurable when debug is off; used to find where a container run spends its time.
 */
export async function span<T>(
  log: Logger,
  step: string,
  fields: Record<string, unknown>,
  fn: () => Promise<T>,
): Promise<T> {
  if (!log.isLevelEnabled('debug')) return fn();
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    log.debug({ ...fields, step, ms: Math.round((performance.now() - t0) * 10) / 10 }, 'span');
  }
}
