import { type FSWatcher, watch } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { moduleLogger } from '../../log/index.js';
import { readJsonRecord } from '../../state/atomic-file.js';
import { isDiscarded, sweepDiscarded } from './discard-folder.js';
import { LiveContainer } from './live-container.js';
import { containerPaths, runtimeFolders } from './paths.js';
import { processExists } from './proc-tree.js';
import { ContainerRecordSchema, ContainerStateSchema, initialState } from './record.js';
import type { ServiceContext } from './service-context.js';
import { cleanupRuntime, readExitCode } from './start-container.js';

const log = moduleLogger('containers');

/**
 * Engine start: reads the records back, adopts the containers whose conmon still runs (their
 * exit is then seen in the exit folder) and records the exit of the others.
 */
export class ContainerLoader {
  private exitWatcher: FSWatcher | undefined;
  /** Adopted containers whose exit file has not appeared yet. */
  private readonly adopted = new Set<string>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly onExit: (c: LiveContainer) => Promise<void>,
  ) {}

  /** Reads the records; adopts running containers (conmon alive) or records their exit. */
  async load(): Promise<void> {
    const { o, registry } = this.ctx;
    const dir = o.layout.dataDir;
    await mkdir(dir, { recursive: true });
    const exitDir = runtimeFolders(o.layout).exitDir;
    await mkdir(exitDir, { recursive: true });
    this.exitWatcher = watch(exitDir, (_event, file) => {
      if (file && this.adopted.has(file)) {
        const c = registry.find(file);
        this.adopted.delete(file);
        if (c) void this.onExit(c);
      }
    });
    this.exitWatcher.on('error', (err) => log.warn({ err }, 'exit folder watch failed'));
    for (const id of await readdir(dir)) {
      if (isDiscarded(id)) continue;
      try {
        const paths = containerPaths(o.layout, id);
        const record = await readJsonRecord(paths.config, ContainerRecordSchema);
        if (!record) continue;
        // No state.json: never started since its create (none is written then), or lost to a
        // machine crash (it is written without fsync). Either way the initial state.
        const state =
          (await readJsonRecord(paths.state, ContainerStateSchema).catch((err: unknown) => {
            log.warn({ err, id }, 'container state unreadable; taken as exited');
            return undefined;
          })) ?? initialState();
        const c = new LiveContainer(record, state, paths);
        registry.restore(c);
        await o.volumes?.restore(id, paths.dir);
        await this.adopt(c);
      } catch (err) {
        log.warn({ err, id }, 'container record unreadable; skipped');
      }
    }
    log.info({ containers: registry.size }, 'containers loaded');
    // Removals a crash interrupted: their folders were renamed out of the way (discard-folder.ts).
    void sweepDiscarded(dir).catch((err: unknown) => log.warn({ err }, 'sweep of removed folders failed'));
    this.ctx.restarts.atEngineStart(registry.all());
  }

  private async adopt(c: LiveContainer): Promise<void> {
    const { o } = this.ctx;
    if (c.state.status === 'removing') {
      c.state.status = 'dead';
      return;
    }
    if (!c.running) {
      if (c.state.mounted) await cleanupRuntime(o, c).then(() => c.saveState());
      return;
    }
    const alive = c.state.conmonPid > 0 && processExists(c.state.conmonPid);
    const code = await readExitCode(o.layout, c.id);
    if (alive && code === undefined) {
      this.adopted.add(c.id);
      // As Docker's restore: the health status starts over (`starting`, streak 0, log kept).
      this.ctx.health.begin(c, true);
      this.ctx.logRotation.begin(c);
      // The exit may have landed between the read and the watch.
      if ((await readExitCode(o.layout, c.id)) !== undefined && this.adopted.delete(c.id))
        await this.onExit(c);
      return;
    }
    if (code === undefined) c.state.error = 'conmon exited while the engine was down; exit code unknown';
    await this.onExit(c);
  }

  close(): void {
    this.exitWatcher?.close();
  }
}
