import { runcKill } from '../../drivers/runc.js';
import { Conflict, isRootlessdError, NotModified } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { LiveContainer } from './live-container.js';
import { runtimeOf } from './oci-runtime.js';
import { configOf } from './record.js';
import type { ServiceContext } from './service-context.js';
import { parseSignal } from './signals.js';

const log = moduleLogger('containers');

export interface StopOptions {
  timeout?: number;
  signal?: string;
}

/** POST /containers/{id}/kill: a signal (SIGKILL by default) to a running container. */
export async function killContainer(ctx: ServiceContext, ref: string, signalName?: string): Promise<void> {
  const c = ctx.registry.get(ref);
  const signal = parseSignal(signalName, 'SIGKILL');
  await ctx.restarts.cancel(c);
  if (!c.running) throw new Conflict(`Cannot kill container: ${ref}: container ${c.id} is not running`);
  c.state.stoppedByUser = true;
  try {
    await runcKill(runtimeOf(ctx.o.layout, c.id), c.id, signal);
  } catch (err) {
    // The process ended between our check and the runtime's (its exit is on its way): Docker
    // answers such a kill as done, and so do we.
    if (!isRootlessdError(err) || err.kind !== 'NotFound') throw err;
    log.debug({ id: c.id, err: (err as Error).message }, 'kill: the process had already exited');
  }
  ctx.publish(c, 'kill', { signal: String(signal) });
}

/** POST /containers/{id}/stop: 304 when it is not running. */
export async function stopContainer(
  ctx: ServiceContext,
  ref: string,
  options: StopOptions = {},
): Promise<void> {
  const c = ctx.registry.get(ref);
  await ctx.restarts.cancel(c);
  if (!c.running) throw new NotModified(`container ${c.id} is already stopped`);
  c.state.stoppedByUser = true;
  await stopProcess(ctx, c, options);
}

/**
 * The daemon is stopping (SIGTERM; the launcher takes the namespaces down next): every running
 * container is stopped as Docker's shutdown does without live-restore (its stop signal, then
 * SIGKILL after its stop timeout, all at once) and is not marked user-stopped, so `always` and
 * `unless-stopped` containers start again with the daemon. No policy restarts from here on.
 */
export async function shutdownContainers(ctx: ServiceContext): Promise<void> {
  ctx.restarts.close();
  const running = ctx.registry.all().filter((c) => c.running);
  if (running.length) log.info({ containers: running.length }, 'stopping running containers');
  await Promise.all(
    running.map((c) =>
      stopProcess(ctx, c).catch((err: unknown) => log.warn({ err, id: c.id }, 'stop at shutdown failed')),
    ),
  );
}

/** The longest stop timeout among running containers, in seconds (how long shutdown may take). */
export function longestStopTimeout(containers: Iterable<LiveContainer>): number {
  let longest = 0;
  for (const c of containers) {
    if (c.running) longest = Math.max(longest, configOf(c.record).StopTimeout ?? 10);
  }
  return longest;
}

/** The stop signal, then SIGKILL once the stop timeout has passed (never when it is negative). */
async function stopProcess(ctx: ServiceContext, c: LiveContainer, options: StopOptions = {}): Promise<void> {
  const config = configOf(c.record);
  const stopSignal = parseSignal(options.signal || config.StopSignal || 'SIGTERM');
  const timeout = options.timeout ?? config.StopTimeout ?? 10;
  const exit = c.nextExit();
  const root = runtimeOf(ctx.o.layout, c.id);
  await runcKill(root, c.id, stopSignal).catch(() => undefined);
  ctx.publish(c, 'kill', { signal: String(stopSignal) });
  const exited = await Promise.race([
    exit.then(() => true),
    timeout < 0
      ? new Promise<boolean>(() => undefined)
      : new Promise<boolean>((r) => setTimeout(() => r(false), timeout * 1000).unref()),
  ]);
  if (!exited && c.running) {
    await runcKill(root, c.id, 9).catch(() => undefined);
    ctx.publish(c, 'kill', { signal: '9' });
    await exit;
  }
  ctx.publish(c, 'stop');
}
