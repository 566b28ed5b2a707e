import { moduleLogger, span } from '../../log/index.js';
import type { LiveContainer } from './live-container.js';
import { hostConfigOf } from './record.js';
import type { ServiceContext } from './service-context.js';
import { cleanupRuntime, readExitCode } from './start-container.js';

const log = moduleLogger('containers');

/**
 * conmon ended: record the exit code, free the network, tell the waiters, then AutoRemove
 * (`removeAuto`) or clean up the runtime and let the restart policy decide.
 */
export async function onContainerExit(
  ctx: ServiceContext,
  c: LiveContainer,
  removeAuto: (c: LiveContainer) => Promise<void>,
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
  const autoRemove = Boolean(hostConfigOf(c.record).AutoRemove);
  // Not written at all for AutoRemove, and not awaited after an exit of its own: what it says
  // can be rebuilt after a crash from conmon's exit file (`<runtime>/exits/<id>`, kept until
  // the next start or the removal), as a restarted engine finds the container `running` with
  // conmon gone and its exit file there, and runs this same path (removal included). A stop
  // or kill is awaited: its `stoppedByUser` (restart policies) lives only in memory until
  // then. Writes of the state are ordered (live-container.ts); folders go once they are done.
  if (!autoRemove) {
    const saved = c.saveState().catch((err: unknown) => log.warn({ err, id: c.id }, 'state write failed'));
    if (c.state.stoppedByUser) await span(log, 'save-state', t, () => saved);
  }
  // As Docker, the container's published ports and addresses are free before `stop`, `wait`
  // or an attached `run` return: a `run -p` of the same port right after must not collide.
  await span(log, 'net-release', t, async () =>
    o.networking?.release(c.id).catch((err: unknown) => log.warn({ err, id: c.id }, 'release failed')),
  );
  ctx.publish(c, 'die', { exitCode: String(code) });
  c.notifyExit({ exitCode: code });
  if (autoRemove) {
    await removeAuto(c);
    return;
  }
  await span(log, 'cleanup-runtime', t, () => cleanupRuntime(o, c));
  await span(log, 'save-state', t, () => c.saveState().catch(() => undefined));
  ctx.restarts.onExit(c);
}
