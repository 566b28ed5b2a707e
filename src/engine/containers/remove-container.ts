import { rm } from 'node:fs/promises';
import { runcKill } from '../../drivers/runc.js';
import { Conflict } from '../../errdefs/index.js';
import { moduleLogger, span } from '../../log/index.js';
import { discardFolder } from './discard-folder.js';
import { runtimeOf } from './oci-runtime.js';
import { runtimeFolders } from './paths.js';
import type { ServiceContext } from './service-context.js';
import { cleanupRuntime, rootfsReleased, snapshotKey } from './start-container.js';

const log = moduleLogger('containers');

/**
 * DELETE /containers/{id}: a running container only with `force` (SIGKILL, then its exit);
 * its name, runtime state, writable layer, endpoints, volumes (anonymous ones with
 * `volumes`) and folders go.
 */
export async function removeContainer(
  ctx: ServiceContext,
  ref: string,
  options: { force?: boolean; volumes?: boolean } = {},
): Promise<void> {
  const { o, registry } = ctx;
  const c = registry.get(ref);
  ctx.restarts.forget(c.id);
  ctx.health.end(c);
  ctx.logRotation.end(c);
  if (c.running) {
    if (!options.force)
      throw new Conflict(
        `cannot remove container "${c.record.name}": container is running: stop the container before removing or force remove`,
      );
    const exit = c.nextExit();
    await runcKill(runtimeOf(o.layout, c.id), c.id, 9).catch(() => undefined);
    await exit;
  }
  if (c.removed) return;
  await c.locked(async () => {
    if (c.removed) return;
    c.state.status = 'removing';
    registry.drop(c);
    c.removed = true;
    const t = { id: c.id.slice(0, 12) };
    const snapshotter = await o.snapshotter();
    // After a forced kill the exit path's clean-up is under way: this joins it. The writable
    // layer goes as soon as the rootfs is unmounted, beside `runc delete`.
    const cleaned = c.state.mounted ? cleanupRuntime(o, c) : Promise.resolve();
    await rootfsReleased(c);
    await span(log, 'snapshot-remove', t, () =>
      snapshotter
        .remove(snapshotKey(c.id))
        .catch((err: unknown) => log.warn({ err, id: c.id }, 'snapshot removal failed')),
    );
    await cleaned;
    await span(log, 'net-forget', t, async () => o.networking?.forget(c.id));
    await span(log, 'volumes-detach', t, async () => o.volumes?.detach(c.id, Boolean(options.volumes)));
    // A state write still under way would bring the folder back.
    await c.writesSettled();
    await span(log, 'rm-dirs', t, async () => {
      void discardFolder(c.paths.dir);
    });
    await rm(c.paths.bundle, { recursive: true, force: true });
    await rm(`${runtimeFolders(o.layout).exitDir}/${c.id}`, { force: true });
    ctx.publish(c, 'destroy');
    c.notifyRemoved();
  });
}
