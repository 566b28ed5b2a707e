import { type FSWatcher, watch } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { runcKill } from '../../drivers/runc.js';
import { Conflict, InvalidParameter, isRootlessdError, NotFound, NotModified } from '../../errdefs/index.js';
import { moduleLogger, span } from '../../log/index.js';
import { readJsonRecord, writeJsonAtomic } from '../../state/atomic-file.js';
import type { ContainerCreateRequest, ContainerCreateResponse } from '../../types/container-create.js';
import type { ContainerInspect, ContainerSummary } from '../../types/container-inspect.js';
import type { EventBus } from '../events/bus.js';
import {
  type AttachOptions,
  type AttachSession,
  type AttachSink,
  attachContainer,
  resizeTty,
} from './attach.js';
import { buildRecord } from './create-record.js';
import { HealthMonitor } from './health-monitor.js';
import type { ImageLookup } from './image-lookup.js';
import { compileListFilter, type Filters } from './list-filter.js';
import { type ExitInfo, LiveContainer } from './live-container.js';
import type { LogDefaults } from './log-config.js';
import { LogRotator } from './log-rotation.js';
import { type LogChunk, type LogOptions, readLogs } from './logs.js';
import { generateName, newContainerId, normalizeName } from './names.js';
import { runtimeOf } from './oci-runtime.js';
import { containerPaths, runtimeFolders } from './paths.js';
import {
  ContainerRecordSchema,
  ContainerStateSchema,
  configOf,
  hostConfigOf,
  initialState,
} from './record.js';
import { RestartSupervisor } from './restart-supervisor.js';
import { parseSignal } from './signals.js';
import {
  cleanupRuntime,
  type RuntimeContext,
  readExitCode,
  snapshotKey,
  startContainer,
} from './start-container.js';
import { startError } from './start-error.js';
import { inspectView, summaryView } from './views.js';

const log = moduleLogger('containers');

export interface ContainerServiceOptions extends RuntimeContext {
  bus: EventBus;
  images: ImageLookup;
  driverName: () => Promise<string>;
  /** daemon.json `log-driver` and `log-opts`. */
  logDefaults?: () => LogDefaults;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** Docker's container semantics over records, conmon and runc. */
export class ContainerService {
  private readonly byId = new Map<string, LiveContainer>();
  private readonly byName = new Map<string, string>();
  private exitWatcher: FSWatcher | undefined;
  private readonly adopted = new Set<string>();
  /** Restart policies: back-off timers and RestartCount (restart-supervisor.ts). */
  readonly restarts = new RestartSupervisor(
    (id) => this.byId.get(id),
    (id) => this.start(id),
  );

  /** Health checks: one probe loop per running container that has one (health-monitor.ts). */
  readonly health = new HealthMonitor({ publish: (c, action) => this.publish(c, action) });
  /** max-size / max-file rotation of running containers' logs (log-rotation.ts). */
  private readonly logRotation = new LogRotator();

  constructor(private readonly o: ContainerServiceOptions) {}

  // ---- lookup ----

  /** By full id, name (with or without `/`), or unique id prefix; 404 otherwise. */
  get(ref: string): LiveContainer {
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const byName = this.byName.get(ref.startsWith('/') ? ref : `/${ref}`);
    if (byName) return this.byId.get(byName) as LiveContainer;
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = [...this.byId.keys()].filter((id) => id.startsWith(ref));
      if (matches.length === 1) return this.byId.get(matches[0] as string) as LiveContainer;
      if (matches.length > 1) throw new InvalidParameter(`multiple IDs found with provided prefix: ${ref}`);
    }
    throw new NotFound(`No such container: ${ref}`);
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    let running = 0;
    let paused = 0;
    for (const c of this.byId.values()) {
      if (c.state.status === 'paused') paused++;
      else if (c.running) running++;
    }
    return { total: this.byId.size, running, paused, stopped: this.byId.size - running - paused };
  }

  /** Image ids containers use (an image in use cannot be removed without force). */
  imageUsers(imageId: string): string[] {
    return [...this.byId.values()].filter((c) => c.record.imageId === imageId).map((c) => c.id);
  }

  private publish(c: LiveContainer, action: string, extra: Record<string, string> = {}): void {
    this.o.bus.publish({
      type: 'container',
      action,
      actor: {
        id: c.id,
        attributes: {
          ...(configOf(c.record).Labels ?? {}),
          image: c.record.image,
          name: c.record.name.slice(1),
          ...extra,
        },
      },
    });
  }

  // ---- create ----

  async create(req: ContainerCreateRequest, name: string | undefined): Promise<ContainerCreateResponse> {
    if (!req.Image) throw new InvalidParameter('config cannot be empty in order to create a container');
    const id = newContainerId();
    const t = { id: id.slice(0, 12) };
    const image = await span(log, 'image-resolve', t, () => this.o.images.resolve(req.Image as string));
    const fullName = name ? normalizeName(name) : `/${generateName((n) => this.byName.has(n))}`;
    const holder = this.byName.get(fullName);
    if (holder)
      throw new Conflict(
        `Conflict. The container name "${fullName}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    this.byName.set(fullName, id);
    try {
      const { record, warnings } = buildRecord(req, image, {
        id,
        name: fullName,
        driver: await this.o.driverName(),
        ...(this.o.logDefaults ? { logDefaults: this.o.logDefaults() } : {}),
      });
      const c = new LiveContainer(record, initialState(), containerPaths(this.o.layout, id));
      await mkdir(c.paths.dir, { recursive: true });
      const hcr = hostConfigOf(record);
      await span(log, 'volumes-attach', t, async () =>
        this.o.volumes?.attach(id, c.paths.dir, {
          binds: hcr.Binds ?? [],
          mounts: hcr.Mounts ?? [],
          volumes: configOf(record).Volumes ?? undefined,
        }),
      );
      const snapshotter = await this.o.snapshotter();
      await span(log, 'snapshot-prepare', t, () => snapshotter.prepare(snapshotKey(id), image.chainId));
      await span(log, 'save-record', t, () => c.saveRecord());
      await span(log, 'save-state', t, () => c.saveState());
      this.byId.set(id, c);
      this.publish(c, 'create');
      return { Id: id, Warnings: warnings };
    } catch (err) {
      this.byName.delete(fullName);
      await this.o.volumes?.detach(id, true);
      await rm(containerPaths(this.o.layout, id).dir, { recursive: true, force: true });
      throw err;
    }
  }

  // ---- lifecycle ----

  async start(ref: string): Promise<void> {
    const c = this.get(ref);
    const byPolicy = this.restarts.takePolicyStart(c.id);
    await c.locked(async () => {
      if (c.running) throw new NotModified(`container ${c.id} is already running`);
      if (c.removed || c.state.status === 'removing')
        throw new Conflict(`container ${c.id} is marked for removal and cannot be started`);
      let created: Awaited<ReturnType<typeof startContainer>>;
      try {
        await this.logRotation.prepare(c);
        created = await span(log, 'start-container', { id: c.id.slice(0, 12) }, () =>
          startContainer({ ...this.o, peer: (r) => this.get(r) }, c),
        );
      } catch (err) {
        const { error, exitCode } = startError(err);
        c.state.error = error instanceof Error ? error.message : String(error);
        c.state.exitCode = exitCode;
        await c.saveState().catch(() => undefined);
        if (hostConfigOf(c.record).AutoRemove)
          setImmediate(() => void this.remove(c.id, { force: true }).catch(() => undefined));
        throw error;
      }
      c.state = {
        ...c.state,
        status: 'running',
        error: '',
        exitCode: 0,
        startedAt: new Date().toISOString(),
        stoppedByUser: false,
        mounted: true,
        restartCount: byPolicy ? (c.state.restartCount ?? 0) : 0,
      };
      this.health.begin(c, true);
      this.logRotation.begin(c);
      await span(log, 'save-state', { id: c.id.slice(0, 12) }, () => c.saveState());
      this.publish(c, 'start');
      void created.exited.then(() => this.onExit(c));
    });
  }

  /** conmon ended: record the exit code, clean up, AutoRemove. */
  private async onExit(c: LiveContainer): Promise<void> {
    if (!c.running) return;
    const t = { id: c.id.slice(0, 12) };
    log.debug({ ...t, step: 'exited' }, 'span');
    const code = (await readExitCode(this.o.layout, c.id)) ?? 255;
    this.health.end(c);
    this.logRotation.end(c);
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
      this.o.networking?.release(c.id).catch((err: unknown) => log.warn({ err, id: c.id }, 'release failed')),
    );
    this.publish(c, 'die', { exitCode: String(code) });
    c.notifyExit({ exitCode: code });
    if (hostConfigOf(c.record).AutoRemove) {
      await this.autoRemove(c);
      return;
    }
    await span(log, 'cleanup-runtime', t, () => cleanupRuntime(this.o, c));
    await span(log, 'save-state', t, () => c.saveState().catch(() => undefined));
    this.restarts.onExit(c);
  }

  /**
   * `--rm`: what a client can observe goes first (the name, network endpoints, volumes, the
   * record), then `destroy` and `removed`; the runtime's state, the rootfs mount and the
   * writable layer are cleared right after, off the client's path (spawned programs: about
   * 50 ms here). close() waits for those.
   */
  private async autoRemove(c: LiveContainer): Promise<void> {
    const t = { id: c.id.slice(0, 12) };
    this.restarts.forget(c.id);
    await c
      .locked(async () => {
        if (c.removed) return;
        c.state.status = 'removing';
        this.byId.delete(c.id);
        this.byName.delete(c.record.name);
        c.removed = true;
        if (c.state.mounted) this.o.volumes?.unmounted(c.id);
        await span(log, 'net-forget', t, async () => this.o.networking?.forget(c.id));
        // As Docker: --rm also removes the container's anonymous volumes (named ones stay).
        await span(log, 'volumes-detach', t, async () => this.o.volumes?.detach(c.id, true));
        await span(log, 'rm-dirs', t, () => rm(c.paths.dir, { recursive: true, force: true }));
        this.publish(c, 'destroy');
        c.notifyRemoved();
      })
      .catch((err: unknown) => log.warn({ err, id: c.id }, 'auto-removal failed'));
    const cleanup: Promise<void> = (async () => {
      await span(log, 'cleanup-runtime', t, () => cleanupRuntime(this.o, c));
      const snapshotter = await this.o.snapshotter();
      await span(log, 'snapshot-remove', t, () => snapshotter.remove(snapshotKey(c.id)));
      await rm(c.paths.bundle, { recursive: true, force: true });
      await rm(`${runtimeFolders(this.o.layout).exitDir}/${c.id}`, { force: true });
    })()
      .catch((err: unknown) => log.warn({ err, id: c.id }, 'clean-up after auto-removal failed'))
      .finally(() => this.cleanups.delete(cleanup));
    this.cleanups.add(cleanup);
  }

  /** Clean-ups of auto-removed containers still running (close() waits for them). */
  private readonly cleanups = new Set<Promise<void>>();

  /** Resolves when the clean-ups of auto-removed containers are done. */
  async settled(): Promise<void> {
    await Promise.all([...this.cleanups]);
  }

  async kill(ref: string, signalName?: string): Promise<void> {
    const c = this.get(ref);
    const signal = parseSignal(signalName, 'SIGKILL');
    await this.restarts.cancel(c);
    if (!c.running) throw new Conflict(`Cannot kill container: ${ref}: container ${c.id} is not running`);
    c.state.stoppedByUser = true;
    await runcKill(runtimeOf(this.o.layout, c.id), c.id, signal);
    this.publish(c, 'kill', { signal: String(signal) });
  }

  async stop(ref: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    const c = this.get(ref);
    await this.restarts.cancel(c);
    if (!c.running) throw new NotModified(`container ${c.id} is already stopped`);
    c.state.stoppedByUser = true;
    await this.stopProcess(c, options);
  }

  /**
   * The daemon is stopping (SIGTERM; the launcher takes the namespaces down next): every running
   * container is stopped as Docker's shutdown does without live-restore (its stop signal, then
   * SIGKILL after its stop timeout, all at once) and is not marked user-stopped, so `always` and
   * `unless-stopped` containers start again with the daemon. No policy restarts from here on.
   */
  async shutdown(): Promise<void> {
    this.restarts.close();
    const running = [...this.byId.values()].filter((c) => c.running);
    if (running.length) log.info({ containers: running.length }, 'stopping running containers');
    await Promise.all(
      running.map((c) =>
        this.stopProcess(c).catch((err: unknown) => log.warn({ err, id: c.id }, 'stop at shutdown failed')),
      ),
    );
  }

  /** The longest stop timeout among running containers, in seconds (how long shutdown may take). */
  longestStopTimeout(): number {
    let longest = 0;
    for (const c of this.byId.values()) {
      if (c.running) longest = Math.max(longest, configOf(c.record).StopTimeout ?? 10);
    }
    return longest;
  }

  private async stopProcess(c: LiveContainer, options: { timeout?: number; signal?: string } = {}) {
    const config = configOf(c.record);
    const stopSignal = parseSignal(options.signal || config.StopSignal || 'SIGTERM');
    const timeout = options.timeout ?? config.StopTimeout ?? 10;
    const exit = c.nextExit();
    const root = runtimeOf(this.o.layout, c.id);
    await runcKill(root, c.id, stopSignal).catch(() => undefined);
    this.publish(c, 'kill', { signal: String(stopSignal) });
    const exited = await Promise.race([
      exit.then(() => true),
      timeout < 0
        ? new Promise<boolean>(() => undefined)
        : new Promise<boolean>((r) => setTimeout(() => r(false), timeout * 1000).unref()),
    ]);
    if (!exited && c.running) {
      await runcKill(root, c.id, 9).catch(() => undefined);
      this.publish(c, 'kill', { signal: '9' });
      await exit;
    }
    this.publish(c, 'stop');
  }

  async restart(ref: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    await this.stop(ref, options).catch((err: unknown) => {
      if (!(isRootlessdError(err) && err.kind === 'NotModified')) throw err;
    });
    await this.start(ref);
    this.publish(this.get(ref), 'restart');
  }

  async wait(ref: string, condition: WaitCondition, signal?: AbortSignal): Promise<ExitInfo> {
    const c = this.get(ref);
    let waiting: Promise<ExitInfo>;
    if (condition === 'removed') waiting = c.whenRemoved();
    else if (condition === 'not-running' && !c.running) return { exitCode: c.state.exitCode };
    else waiting = c.nextExit();
    if (!signal) return waiting;
    return Promise.race([
      waiting,
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      ),
    ]);
  }

  async remove(ref: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const c = this.get(ref);
    this.restarts.forget(c.id);
    this.health.end(c);
    this.logRotation.end(c);
    if (c.running) {
      if (!options.force)
        throw new Conflict(
          `cannot remove container "${c.record.name}": container is running: stop the container before removing or force remove`,
        );
      const exit = c.nextExit();
      await runcKill(runtimeOf(this.o.layout, c.id), c.id, 9).catch(() => undefined);
      await exit;
    }
    if (c.removed) return;
    await c.locked(async () => {
      if (c.removed) return;
      c.state.status = 'removing';
      this.byId.delete(c.id);
      this.byName.delete(c.record.name);
      c.removed = true;
      const t = { id: c.id.slice(0, 12) };
      const snapshotter = await this.o.snapshotter();
      if (c.state.mounted) await cleanupRuntime(this.o, c);
      await span(log, 'snapshot-remove', t, () =>
        snapshotter
          .remove(snapshotKey(c.id))
          .catch((err: unknown) => log.warn({ err, id: c.id }, 'snapshot removal failed')),
      );
      await span(log, 'net-forget', t, async () => this.o.networking?.forget(c.id));
      await span(log, 'volumes-detach', t, async () =>
        this.o.volumes?.detach(c.id, Boolean(options.volumes)),
      );
      await span(log, 'rm-dirs', t, () => rm(c.paths.dir, { recursive: true, force: true }));
      await rm(c.paths.bundle, { recursive: true, force: true });
      await rm(`${runtimeFolders(this.o.layout).exitDir}/${c.id}`, { force: true });
      this.publish(c, 'destroy');
      c.notifyRemoved();
    });
  }

  async rename(ref: string, newName: string): Promise<void> {
    const c = this.get(ref);
    const name = normalizeName(newName);
    if (name === c.record.name)
      throw new InvalidParameter(`Renaming a container with the same name as its current name`);
    const holder = this.byName.get(name);
    if (holder)
      throw new Conflict(
        `Conflict. The container name "${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    const old = c.record.name;
    this.byName.delete(old);
    this.byName.set(name, c.id);
    c.record = { ...c.record, name };
    await c.saveRecord();
    this.publish(c, 'rename', { oldName: old });
  }

  // ---- views ----

  /**
   * `size=1` on list and inspect: `SizeRw` is what the writable layer holds (its upper dir,
   * hard links once), `SizeRootFs` that plus the image's layers, as Docker counts them.
   */
  sizes(ref: string): Promise<{ SizeRw: number; SizeRootFs: number }> {
    return this.sizesOf(this.get(ref));
  }

  private async sizesOf(c: LiveContainer): Promise<{ SizeRw: number; SizeRootFs: number }> {
    const snapshotter = await this.o.snapshotter();
    const rw = await snapshotter
      .usage(snapshotKey(c.id))
      .then((u) => u.size)
      .catch(() => 0);
    const image = (await this.o.images.size?.(c.record.imageId).catch(() => 0)) ?? 0;
    return { SizeRw: rw, SizeRootFs: rw + image };
  }

  private async withSizes<T extends object>(views: Array<{ c: LiveContainer; view: T }>): Promise<T[]> {
    return Promise.all(views.map(async ({ c, view }) => ({ ...view, ...(await this.sizesOf(c)) })));
  }

  inspect(ref: string): ContainerInspect {
    const c = this.get(ref);
    const view = inspectView(c);
    if (this.o.networking) view.NetworkSettings = { ...this.o.networking.settings(c) };
    if (this.o.volumes) view.Mounts = this.o.volumes.mountPoints(c.id);
    return view;
  }

  list(options: {
    all: boolean;
    limit?: number;
    filters: Filters;
    size?: boolean;
  }): ContainerSummary[] | Promise<ContainerSummary[]> {
    const match = compileListFilter(
      options.filters,
      (r) => this.get(r),
      (c, a) =>
        c.record.image === a ||
        c.record.imageId === a ||
        c.record.imageId.replace(/^sha256:/, '').startsWith(a) ||
        c.record.image === `${a}:latest`,
      (c) => ({
        mounts: this.o.volumes?.mountPoints(c.id) ?? [],
        networks: this.o.networking?.settings(c).Networks ?? {},
      }),
    );
    let all = [...this.byId.values()].sort((a, b) => (a.record.created < b.record.created ? 1 : -1));
    if (!options.all && !options.filters.status?.length) all = all.filter((c) => c.running);
    all = all.filter(match);
    if (options.limit !== undefined && options.limit > 0) all = all.slice(0, options.limit);
    const net = this.o.networking;
    const views = all.map((c) => {
      const view = summaryView(c);
      if (this.o.volumes) view.Mounts = this.o.volumes.mountPoints(c.id);
      if (net) {
        view.Ports = net.ports(c);
        view.NetworkSettings = { Networks: { ...net.settings(c).Networks } };
      }
      return { c, view };
    });
    return options.size ? this.withSizes(views) : views.map((v) => v.view);
  }

  // ---- streams ----

  logs(
    ref: string,
    options: LogOptions,
    signal: AbortSignal,
  ): { tty: boolean; chunks: AsyncIterable<LogChunk> } {
    const c = this.get(ref);
    const done = c.running ? c.nextExit() : Promise.resolve();
    return { tty: Boolean(configOf(c.record).Tty), chunks: readLogs(c.paths.log, options, done, signal) };
  }

  attach(ref: string, options: AttachOptions, sink: AttachSink): { tty: boolean; session: AttachSession } {
    const c = this.get(ref);
    const session = attachContainer(c, options, sink);
    this.publish(c, 'attach');
    return { tty: Boolean(configOf(c.record).Tty), session };
  }

  async resize(ref: string, height: number, width: number): Promise<void> {
    const c = this.get(ref);
    if (!c.running) throw new Conflict(`Container ${c.id} is not running`);
    await resizeTty(c, height, width);
  }

  // ---- start-up ----

  /** Ids of every container (for the networks module's start-up reconciliation). */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** Reads the records; adopts running containers (conmon alive) or records their exit. */
  async load(): Promise<void> {
    const dir = this.o.layout.dataDir;
    await mkdir(dir, { recursive: true });
    const exitDir = runtimeFolders(this.o.layout).exitDir;
    await mkdir(exitDir, { recursive: true });
    this.exitWatcher = watch(exitDir, (_event, file) => {
      if (file && this.adopted.has(file)) {
        const c = this.byId.get(file);
        this.adopted.delete(file);
        if (c) void this.onExit(c);
      }
    });
    this.exitWatcher.on('error', (err) => log.warn({ err }, 'exit folder watch failed'));
    for (const id of await readdir(dir)) {
      try {
        const paths = containerPaths(this.o.layout, id);
        const record = await readJsonRecord(paths.config, ContainerRecordSchema);
        if (!record) continue;
        // A state lost to a machine crash (it is written without fsync): an exited container.
        const state =
          (await readJsonRecord(paths.state, ContainerStateSchema).catch((err: unknown) => {
            log.warn({ err, id }, 'container state unreadable; taken as exited');
            return undefined;
          })) ?? initialState();
        const c = new LiveContainer(record, state, paths);
        this.byId.set(id, c);
        this.byName.set(record.name, id);
        await this.o.volumes?.restore(id, paths.dir);
        await this.adopt(c);
      } catch (err) {
        log.warn({ err, id }, 'container record unreadable; skipped');
      }
    }
    log.info({ containers: this.byId.size }, 'containers loaded');
    this.restarts.atEngineStart([...this.byId.values()]);
  }

  private async adopt(c: LiveContainer): Promise<void> {
    if (c.state.status === 'removing') {
      c.state.status = 'dead';
      return;
    }
    if (!c.running) {
      if (c.state.mounted) await cleanupRuntime(this.o, c).then(() => c.saveState());
      return;
    }
    const alive = c.state.conmonPid > 0 && isAlive(c.state.conmonPid);
    const code = await readExitCode(this.o.layout, c.id);
    if (alive && code === undefined) {
      this.adopted.add(c.id);
      // As Docker's restore: the health status starts over (`starting`, streak 0, log kept).
      this.health.begin(c, true);
      this.logRotation.begin(c);
      // The exit may have landed between the read and the watch.
      if ((await readExitCode(this.o.layout, c.id)) !== undefined && this.adopted.delete(c.id))
        await this.onExit(c);
      return;
    }
    if (code === undefined) c.state.error = 'conmon exited while the engine was down; exit code unknown';
    await this.onExit(c);
  }

  close(): void {
    this.exitWatcher?.close();
    this.restarts.close();
    this.health.close();
    this.logRotation.close();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export { writeJsonAtomic };
