import { Conflict, isRootlessdError, NotModified } from '../../errdefs/index.js';
import { moduleLogger, span } from '../../log/index.js';
import type { ContainerCreateRequest, ContainerCreateResponse } from '../../types/container-create.js';
import type { ContainerInspect, ContainerSummary } from '../../types/container-inspect.js';
import {
  type AttachOptions,
  type AttachSession,
  type AttachSink,
  attachContainer,
  resizeTty,
} from './attach.js';
import { AutoRemover } from './auto-remove.js';
import { onContainerExit } from './container-exit.js';
import { ContainerRegistry } from './container-registry.js';
import { createContainer } from './create-container.js';
import { HealthMonitor } from './health-monitor.js';
import type { ContainerImage } from './image-lookup.js';
import { containerSizes, inspectContainer, type ListOptions, listContainers } from './list-containers.js';
import type { ExitInfo, LiveContainer } from './live-container.js';
import { ContainerLoader } from './load-containers.js';
import { LogRotator } from './log-rotation.js';
import { type LogChunk, type LogOptions, readLogs } from './logs.js';
import { configOf, hostConfigOf } from './record.js';
import { removeContainer } from './remove-container.js';
import { renameContainer } from './rename-container.js';
import { RestartSupervisor } from './restart-supervisor.js';
import type { ContainerServiceOptions, ServiceContext } from './service-context.js';
import { startContainer } from './start-container.js';
import { startError } from './start-error.js';
import {
  killContainer,
  longestStopTimeout,
  type StopOptions,
  shutdownContainers,
  stopContainer,
} from './stop-container.js';

export type { ContainerServiceOptions } from './service-context.js';

const log = moduleLogger('containers');

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/**
 * Docker's container semantics over records, conmon and runc. The actions live in their own
 * modules (create-container, stop-container, remove-container, load-containers…); this class
 * holds the containers and the collaborators they share, and starts containers.
 */
export class ContainerService {
  private readonly registry = new ContainerRegistry();
  /** Restart policies: back-off timers and RestartCount (restart-supervisor.ts). */
  readonly restarts = new RestartSupervisor(
    (id) => this.registry.find(id),
    (id) => this.start(id),
  );

  /** Health checks: one probe loop per running container that has one (health-monitor.ts). */
  readonly health = new HealthMonitor({ publish: (c, action) => this.publish(c, action) });
  /** max-size / max-file rotation of running containers' logs (log-rotation.ts). */
  private readonly logRotation = new LogRotator();
  private readonly ctx: ServiceContext;
  private readonly autoRemover: AutoRemover;
  private readonly loader: ContainerLoader;

  constructor(private readonly o: ContainerServiceOptions) {
    this.ctx = {
      o,
      registry: this.registry,
      restarts: this.restarts,
      health: this.health,
      logRotation: this.logRotation,
      publish: (c, action, extra) => this.publish(c, action, extra),
    };
    this.autoRemover = new AutoRemover(this.ctx);
    this.loader = new ContainerLoader(this.ctx, (c) => this.onExit(c));
  }

  // ---- lookup ----

  /** By full id, name (with or without `/`), or unique id prefix; 404 otherwise. */
  get(ref: string): LiveContainer {
    return this.registry.get(ref);
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    return this.registry.counts();
  }

  /** Image ids containers use (an image in use cannot be removed without force). */
  imageUsers(imageId: string): string[] {
    return this.registry.imageUsers(imageId);
  }

  /** Ids of every container (for the networks module's start-up reconciliation). */
  ids(): string[] {
    return this.registry.ids();
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

  // ---- lifecycle ----

  create(
    req: ContainerCreateRequest,
    name: string | undefined,
    platform?: string,
    image?: ContainerImage,
  ): Promise<ContainerCreateResponse> {
    return createContainer(this.ctx, req, name, platform, image);
  }

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
        const { error, exitCode } = startError(err, c.record.path);
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

  /** conmon ended: record the exit code, clean up, AutoRemove (container-exit.ts). */
  private onExit(c: LiveContainer): Promise<void> {
    return onContainerExit(this.ctx, c, (gone) => this.autoRemover.remove(gone));
  }

  /** Resolves when the clean-ups of auto-removed containers are done. */
  settled(): Promise<void> {
    return this.autoRemover.settled();
  }

  kill(ref: string, signalName?: string): Promise<void> {
    return killContainer(this.ctx, ref, signalName);
  }

  stop(ref: string, options: StopOptions = {}): Promise<void> {
    return stopContainer(this.ctx, ref, options);
  }

  /** The daemon is stopping: every running container is stopped (stop-container.ts). */
  shutdown(): Promise<void> {
    return shutdownContainers(this.ctx);
  }

  /** The longest stop timeout among running containers, in seconds (how long shutdown may take). */
  longestStopTimeout(): number {
    return longestStopTimeout(this.registry.all());
  }

  async restart(ref: string, options: StopOptions = {}): Promise<void> {
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

  remove(ref: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    return removeContainer(this.ctx, ref, options);
  }

  rename(ref: string, newName: string): Promise<void> {
    return renameContainer(this.ctx, ref, newName);
  }

  // ---- views ----

  /** `size=1` on list and inspect: SizeRw and SizeRootFs (list-containers.ts). */
  sizes(ref: string): Promise<{ SizeRw: number; SizeRootFs: number }> {
    return containerSizes(this.o, this.get(ref));
  }

  inspect(ref: string): ContainerInspect {
    return inspectContainer(this.ctx, ref);
  }

  list(options: ListOptions): ContainerSummary[] | Promise<ContainerSummary[]> {
    return listContainers(this.ctx, options);
  }

  // ---- streams ----

  logs(
    ref: string,
    options: LogOptions,
    signal: AbortSignal,
  ): { tty: boolean; chunks: AsyncIterable<LogChunk[]> } {
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

  /** Reads the records; adopts running containers (conmon alive) or records their exit. */
  load(): Promise<void> {
    return this.loader.load();
  }

  close(): void {
    this.loader.close();
    this.restarts.close();
    this.health.close();
    this.logRotation.close();
  }
}
