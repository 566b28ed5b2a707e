import { rm } from 'node:fs/promises';
import { moduleLogger, span } from '../../log/index.js';
import { discardFolder } from './discard-folder.js';
import type { LiveContainer } from './live-container.js';
import { runtimeFolders } from './paths.js';
import type { ServiceContext } from './service-context.js';
import { cleanupRuntime, rootfsReleased, snapshotKey } from './start-container.js';

const log = moduleLogger('containers');

/**
 * `--rm`: what a client can observe goes first (the name, network endpoints, volumes, the
 * record), then `destroy` and `removed`; the runtime's state, the rootfs mount and the
 * writable layer are cleared right after, off the client's path (spawned programs: about
 * 50 ms here), the layer as soon as the rootfs is unmounted, beside `runc delete`. close()
 * waits for those.
 */
export class AutoRemover {
  /** Clean-ups of auto-removed containers still running (close() waits for them). */
  private readonly cleanups = new Set<Promise<void>>();

  constructor(private readonly ctx: ServiceContext) {}

  async remove(c: LiveContainer): Promise<void> {
    const { o, registry } = this.ctx;
    const t = { id: c.id.slice(0, 12) };
    this.ctx.restarts.forget(c.id);
    await c
      .locked(async () => {
        if (c.removed) return;
        c.state.status = 'removing';
        registry.drop(c);
        c.removed = true;
        if (c.state.mounted) o.volumes?.unmounted(c.id);
        await span(log, 'net-forget', t, async () => o.networking?.forget(c.id));
        // As Docker: --rm also removes the container's anonymous volumes (named ones stay).
        await span(log, 'volumes-detach', t, async () => o.volumes?.detach(c.id, true));
        // A state write still under way would bring the folder back.
        await c.writesSettled();
        await span(log, 'rm-dirs', t, async () => {
          this.track(discardFolder(c.paths.dir));
        });
        this.ctx.publish(c, 'destroy');
        c.notifyRemoved();
      })
      .catch((err: unknown) => log.warn({ err, id: c.id }, 'auto-removal failed'));
    const cleanup: Promise<void> = (async () => {
      const cleaned = span(log, 'cleanup-runtime', t, () => cleanupRuntime(o, c));
      const snapshotter = await o.snapshotter();
      await rootfsReleased(c);
      // Once the rootfs is unmounted; a failure here still waits for the runtime's clean-up.
      const removed = span(log, 'snapshot-remove', t, () => snapshotter.remove(snapshotKey(c.id)));
      await Promise.all([cleaned, removed]);
      await rm(c.paths.bundle, { recursive: true, force: true });
      await rm(`${runtimeFolders(o.layout).exitDir}/${c.id}`, { force: true });
    })().catch((err: unknown) => log.warn({ err, id: c.id }, 'clean-up after auto-removal failed'));
    this.track(cleanup);
  }

  private track(work: Promise<void>): void {
    const p = work.finally(() => this.cleanups.delete(p));
    this.cleanups.add(p);
  }

  /** Resolves when the clean-ups of auto-removed containers are done. */
  async settled(): Promise<void> {
    await Promise.all([...this.cleanups]);
  }
}
