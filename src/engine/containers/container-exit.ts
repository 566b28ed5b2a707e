import { moduleLogger, span } from '../../log/index.js';
import type { LiveContainer } from './live-container.js';
import { hostConfigOf } from './record.js';
import type { ServiceContext } from './service-context.js';
import { cleanupRuntime, readExitCode } from './start-container.js';

const log = moduleLogger('containers');

/**
 * conmon ended: record the exit code, free the network, tell the waiters, then AutoRemove
 * (`autoRemove`) or clean up the runtime and let the restart policy decide.
 */
export async function onContainerExit(
  ctx: ServiceContext,
  c: LiveContainer,
  autoRemove: (c: LiveContainer) => Promise<void>,
): Promise<void> {
  if (!c.running) return;
  const { o } = ctx;
  const t = { id: c.id.slice(0, 12) };
  log.debug({ ...t, step: 'exited' }, 'span');
  const code = (await readExitCode(o.layout, c.id)) ?? 255;
  ctx.health.end(c);
  ctx.logRotation.end(c);
  const health = c.state.health ? { ...c.state.health, Status: 'unhealthy' as const } : undefined;
  c.state = {
    ...c.state,
    status: 'exited',
    exitCode: code,
    pid: 0,
    finishedAt: new Date().toISOString(),
    ...(health ? { health } : {}),
  };
  await span(log, 'save-state', t, () =>
    c.saveState().catch((err: unknown) => log.warn({ err, id: c.id }, 'state write failed')),
  );
  // As Docker, the container's published ports and addresses are free before `stop`, `wait`
  // or an attached `run` return: a `run -p` of the same port right after must not collide.
  await span(log, 'net-release', t, async () =>
    o.networking?.release(c.id).catch((err: unknown) => log.warn({ err, id: c.id }, 'release failed')),
  );
  ctx.publish(c, 'die', { exitCode: String(code) });
  c.notifyExit({ exitCode: code });
  if (hostConfigOf(c.record).AutoRemove) {
    await autoRemove(c);
    return;
  }
  await span(log, 'cleanup-runtime', t, () => cleanupRuntime(o, c));
  await span(log, 'save-state', t, () => c.saveState().catch(() => undefined));
  ctx.restarts.onExit(c);
}
