import { hostname } from 'node:os';
import { join } from 'node:path';
import { MAX_API_VERSION, MIN_API_VERSION } from '../api/api-version.js';
import type { Backends, EventsBackend, EventsQuery, ImagesBackend, SystemBackend } from '../api/backends.js';
import type { AuthBackend } from '../api/routes/auth.js';
import type { BuildBackend } from '../api/routes/build.js';
import type { ImageTransferBackend } from '../api/routes/images-transfer.js';
import type { NetworksBackend } from '../api/routes/networks.js';
import type { DaemonConfig } from '../config/schema.js';
import { helperVersions, type ProgramVersion } from '../drivers/component-versions.js';
import { SLIRP_NETWORK } from '../drivers/slirp4netns.js';
import type { EngineConfig } from '../ipc/engine-config.js';
import { moduleLogger, setLogLevel } from '../log/index.js';
import type { EventMessage } from '../types/index.js';
import { buildPorts } from './build/build-engine.js';
import { BuildService } from './build/build-service.js';
import { ContainerFiles } from './containers/archive.js';
import { ContainerCommit } from './containers/commit.js';
import { ContainerOps } from './containers/container-ops.js';
import { ContainerService } from './containers/container-service.js';
import { ExecService } from './containers/exec-service.js';
import { chooseRuntime } from './containers/oci-runtime.js';
import { containersLayout } from './containers/paths.js';
import { EventBus } from './events/bus.js';
import { compileEventFilter } from './events/filter.js';
import { parseEventTimestamp } from './events/timestamp.js';
import { commitImage } from './images/commit.js';
import { familiarReference } from './images/image-service.js';
import { imageSize } from './images/image-views.js';
import { ImagesModule } from './images/images-module.js';
import { lazyImagesBackend, snapshotterDriver } from './images/lazy-backend.js';
import { imageTransferBackend, registryAuthBackend } from './images/transfer-backend.js';
import { liveNetworking, netContainerOf } from './networks/from-container.js';
import { NetworksModule } from './networks/networks-module.js';
import { loadDaemonId } from './system/daemon-id.js';
import { systemDataUsage } from './system/data-usage.js';
import { type StorageDriverStatus, systemInfo } from './system/info.js';
import { storageDriverProbe } from './system/storage-driver.js';
import { systemVersion } from './system/version.js';
import { VolumeService } from './volumes/volume-service.js';

const log = moduleLogger('daemon');

/** daemon.json keys a SIGHUP applies without a restart. */
const RELOADABLE = [
  'log-level',
  'registry-mirrors',
  'insecure-registries',
  'live-restore',
  'max-concurrent-downloads',
  'max-concurrent-uploads',
] as const;

/**
 * The engine: wires its modules together and implements the API's backends. Modules not
 * written yet contribute honest zeros (no containers, no images) until they exist.
 */
export class Daemon implements Backends {
  readonly bus = new EventBus();
  readonly system: SystemBackend;
  readonly events: EventsBackend;
  /** The images module, once the storage driver is known and its stores are open. */
  readonly imagesModule: Promise<ImagesModule>;
  readonly images: ImagesBackend;
  readonly imageTransfer: ImageTransferBackend;
  readonly auth: AuthBackend;
  readonly containers: ContainerService;
  readonly exec: ExecService;
  readonly containerOps: ContainerOps;
  readonly containerFiles: ContainerFiles;
  readonly commit: ContainerCommit;
  readonly build: BuildBackend;
  readonly networksModule: NetworksModule;
  readonly networks: NetworksBackend;
  readonly volumes: VolumeService;
  private daemonConfig: DaemonConfig;
  private helpers: Promise<ProgramVersion[]>;
  private readonly storageDriver: () => Promise<StorageDriverStatus>;

  private constructor(
    readonly config: EngineConfig,
    readonly id: string,
    helpers: Promise<ProgramVersion[]>,
  ) {
    this.daemonConfig = { ...config.daemon };
    this.helpers = helpers;
    this.storageDriver = storageDriverProbe(config.dataRoot, config.daemon['storage-driver']);
    this.imagesModule = this.storageDriver().then((d) =>
      ImagesModule.init({
        dataRoot: config.dataRoot,
        driver: snapshotterDriver(d.name),
        bus: this.bus,
        daemonConfig: () => this.daemonConfig,
      }),
    );
    this.imagesModule.catch((err: unknown) => log.error({ err }, 'images module failed to start'));
    this.images = lazyImagesBackend(this.imagesModule);
    const registryConfig = () => ({
      mirrors: this.daemonConfig['registry-mirrors'] ?? [],
      insecureRegistries: this.daemonConfig['insecure-registries'] ?? [],
    });
    this.imageTransfer = imageTransferBackend({
      stores: this.imagesModule,
      bus: this.bus,
      dataRoot: config.dataRoot,
      registryConfig,
      maxConcurrentUploads: () => this.daemonConfig['max-concurrent-uploads'],
    });
    this.auth = registryAuthBackend(registryConfig);
    this.networksModule = new NetworksModule({
      dataRoot: config.dataRoot,
      runtimeDir: config.runtimeDir,
      holderPid: config.holderPid,
      bus: this.bus,
      daemon: config.daemon,
      slirp: config.slirp,
      lookup: (ref) => netContainerOf(this.containers.get(ref)),
    });
    this.networks = this.networksModule.backend;
    this.volumes = new VolumeService(config.dataRoot, this.bus);
    this.containers = new ContainerService({
      volumes: this.volumes,
      networking: liveNetworking(this.networksModule.gatedEndpoints),
      layout: containersLayout(config.dataRoot, config.runtimeDir),
      snapshotter: async () => (await this.imagesModule).snapshotter,
      holderPid: config.holderPid,
      singleId: config.idMap.mode === 'single',
      defaultDns: config.slirp?.dns ?? SLIRP_NETWORK.dns,
      bus: this.bus,
      images: {
        resolve: async (ref) => (await this.imagesModule).service.resolve(ref),
        size: async (id) => {
          const m = await this.imagesModule;
          return imageSize(m.snapshotter, await m.service.configOf(id));
        },
      },
      driverName: async () => (await this.storageDriver()).name,
      logDefaults: () => ({ driver: this.daemonConfig['log-driver'], opts: this.daemonConfig['log-opts'] }),
    });
    this.containerFiles = new ContainerFiles({
      containers: this.containers,
      snapshotter: async () => (await this.imagesModule).snapshotter,
    });
    const storeImage = async (input: Parameters<typeof commitImage>[1]) => {
      const m = await this.imagesModule;
      const ctx = {
        content: m.content,
        images: m.store,
        service: m.service,
        snapshotter: async () => m.snapshotter,
        bus: this.bus,
        tmpDir: join(config.dataRoot, 'tmp'),
      };
      return commitImage(ctx, input);
    };
    this.commit = new ContainerCommit({
      containers: this.containers,
      snapshotter: async () => (await this.imagesModule).snapshotter,
      store: storeImage,
      bus: this.bus,
      familiar: familiarReference,
    });
    this.build = new BuildService(
      buildPorts({
        images: () => this.imagesModule,
        containers: this.containers,
        files: this.containerFiles,
        commit: this.commit,
        storeImage,
        tmpDir: join(config.dataRoot, 'tmp'),
      }),
    );
    this.containerOps = new ContainerOps(this.containers);
    this.exec = new ExecService({
      containers: this.containers,
      layout: containersLayout(config.dataRoot, config.runtimeDir),
      bus: this.bus,
    });
    this.containers.health.o.run = (c, cmd, timeoutMs) => this.exec.probe(c, cmd, timeoutMs);
    this.imagesModule.then(
      (m) => {
        m.imageUsers = (imageId) => this.containers.imageUsers(imageId);
      },
      () => undefined,
    );
    this.system = {
      ping: () => ({ experimental: this.daemonConfig.experimental ?? false }),
      version: async () =>
        systemVersion({
          apiVersion: MAX_API_VERSION,
          minApiVersion: MIN_API_VERSION,
          experimental: this.daemonConfig.experimental ?? false,
          helpers: await this.helpers,
        }),
      info: async () =>
        systemInfo({
          id: this.id,
          dataRoot: this.config.dataRoot,
          daemon: this.daemonConfig,
          launcherWarnings: this.config.warnings,
          helpers: await this.helpers,
          containerCounts: async () => this.containers.counts(),
          imageCount: async () => (await this.imagesModule).imageCount(),
          storageDriver: this.storageDriver,
          eventListeners: () => this.bus.subscriberCount,
        }),
      dataUsage: async ({ types }) =>
        systemDataUsage(
          {
            layersSize: async () => (await (await this.imagesModule).dataUsage()).layersSize,
            images: async () => (await (await this.imagesModule).dataUsage()).images,
            containers: async () => this.containers.list({ all: true, filters: {}, size: true }),
            volumes: () => this.volumes.usage(),
            buildCache: async () => [],
          },
          types,
        ),
      // The classic builder's cache is its intermediate images (image prune removes them); it
      // keeps nothing beside them, so a build-cache prune finds nothing. `docker system prune`
      // ends with this call and fails on a 404.
      pruneBuildCache: async () => ({ CachesDeleted: [], SpaceReclaimed: 0 }),
    };
    this.events = { subscribeEvents: (query, signal) => this.openEvents(query, signal) };
  }

  static async create(config: EngineConfig): Promise<Daemon> {
    // Probing helper versions spawns several programs: do it in the background so that the
    // socket answers as soon as possible after a (re)start; /version and /info await it.
    const helpers = helperVersions();
    helpers.then(
      (list) => {
        for (const h of list)
          log.info({ program: h.name, path: h.path, version: h.version }, 'helper program');
      },
      (err: unknown) => log.warn({ err }, 'helper program probe failed'),
    );
    const id = await loadDaemonId(config.dataRoot);
    const daemon = new Daemon(config, id, helpers);
    // Adopt containers (running under conmon, or exited while the engine was down) before serving.
    await daemon.volumes.load();
    await chooseRuntime();
    await daemon.containers.load();
    await daemon.exec.load();
    // Bridges, nft and the DNS agent in the container network; endpoints reconciled with containers.
    // Not awaited: the socket answers at once; network calls and container starts wait for it.
    void daemon.networksModule
      .init({
        ids: () => daemon.containers.ids(),
        get: (id) => {
          try {
            return netContainerOf(daemon.containers.get(id));
          } catch {
            return undefined;
          }
        },
      })
      .catch((err: unknown) => log.error({ err }, 'networks module failed to start'));
    // Detect the storage driver now, so that the first `docker info` does not wait for it.
    daemon.storageDriver().then(
      (d) => log.info({ driver: d.name }, 'storage driver'),
      (err: unknown) => log.warn({ err }, 'storage driver detection failed'),
    );
    return daemon;
  }

  get daemon(): DaemonConfig {
    return this.daemonConfig;
  }

  /** Validates the query now (a bad one is a 400), then streams. */
  private openEvents(query: EventsQuery, signal: AbortSignal): AsyncIterable<EventMessage> {
    const match = compileEventFilter(query.filters);
    const sinceNs = query.since ? parseEventTimestamp(query.since, 'since') : undefined;
    const untilNs = query.until ? parseEventTimestamp(query.until, 'until') : undefined;
    return this.bus.stream({ sinceNs, untilNs, match }, signal);
  }

  /** SIGHUP: applies the reloadable keys of a freshly read daemon.json and says so on the bus. */
  async reload(next: DaemonConfig): Promise<void> {
    const updated: DaemonConfig = { ...this.daemonConfig };
    for (const key of RELOADABLE) {
      (updated as Record<string, unknown>)[key] = next[key];
    }
    this.daemonConfig = updated;
    if (updated['log-level']) setLogLevel(updated['log-level']);
    this.helpers = helperVersions();
    await this.helpers;
    const attributes: Record<string, string> = { name: hostname() };
    for (const key of RELOADABLE) {
      const value = updated[key];
      attributes[key] =
        value === undefined ? '' : Array.isArray(value) ? `[${value.join(' ')}]` : String(value);
    }
    this.bus.publish({ type: 'daemon', action: 'reload', actor: { id: this.id, attributes } });
    log.info({ config: updated }, 'configuration reloaded');
  }
}
