import type { DaemonConfig } from '../../config/schema.js';
import type { ProgramVersion } from '../../drivers/component-versions.js';
import { CRUN } from '../../drivers/crun.js';
import type { SystemInfo } from '../../types/index.js';
import { DEFAULT_LOG_DRIVER } from '../containers/log-config.js';
import { preferredRuntime } from '../containers/oci-runtime.js';
import { buildInfo } from './build-info.js';
import {
  cgroupWarnings,
  detectCgroups,
  ipv4Forwarding,
  machineFacts,
  openFileCount,
  readOsRelease,
  seccompProfile,
} from './host-facts.js';
import { maskProxy, registryConfig } from './registry-config.js';

export interface ContainerCounts {
  total: number;
  running: number;
  paused: number;
  stopped: number;
}

export interface StorageDriverStatus {
  name: string;
  status: [string, string][];
}

/** What /info asks of other engine modules. */
export interface InfoSources {
  id: string;
  dataRoot: string;
  daemon: DaemonConfig;
  launcherWarnings: string[];
  helpers: ProgramVersion[];
  containerCounts(): Promise<ContainerCounts>;
  imageCount(): Promise<number>;
  storageDriver(): Promise<StorageDriverStatus>;
  eventListeners(): number;
}

function proxyEnv(name: string): string {
  return process.env[name] ?? process.env[name.toLowerCase()] ?? '';
}

/** GET /info, from facts read now. */
export async function systemInfo(src: InfoSources): Promise<SystemInfo> {
  const [cgroups, os, counts, images, storage, nfd, forwarding] = await Promise.all([
    detectCgroups(),
    readOsRelease(),
    src.containerCounts(),
    src.imageCount(),
    src.storageDriver().catch((err: unknown) => {
      return {
        name: 'unknown',
        status: [['Error', err instanceof Error ? err.message : String(err)]],
      } as StorageDriverStatus;
    }),
    openFileCount(),
    ipv4Forwarding(),
  ]);
  const machine = machineFacts();
  const build = buildInfo();
  const has = (c: string) => cgroups.version === '2' && cgroups.controllers.includes(c);
  const runc = src.helpers.find((h) => h.name === 'runc');
  const security = [`name=seccomp,profile=${seccompProfile()}`, 'name=rootless', 'name=cgroupns'];
  return {
    ID: src.id,
    Containers: counts.total,
    ContainersRunning: counts.running,
    ContainersPaused: counts.paused,
    ContainersStopped: counts.stopped,
    Images: images,
    Driver: storage.name,
    DriverStatus: storage.status,
    DockerRootDir: src.dataRoot,
    Plugins: {
      Volume: ['local'],
      Network: ['bridge', 'host', 'null'],
      Authorization: null,
      Log: ['json-file', 'k8s-file', 'local'],
    },
    MemoryLimit: has('memory'),
    SwapLimit: has('memory'),
    CpuCfsPeriod: has('cpu'),
    CpuCfsQuota: has('cpu'),
    CPUShares: has('cpu'),
    CPUSet: has('cpuset'),
    PidsLimit: has('pids'),
    OomKillDisable: false,
    IPv4Forwarding: forwarding,
    Debug: src.daemon['log-level'] === 'debug',
    NFd: nfd,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: src.daemon['log-driver'] ?? DEFAULT_LOG_DRIVER,
    CgroupDriver: cgroups.driver,
    CgroupVersion: cgroups.version,
    NEventsListener: src.eventListeners(),
    KernelVersion: machine.kernelVersion,
    OperatingSystem: os.prettyName,
    OSVersion: os.versionId,
    OSType: 'linux',
    Architecture: machine.architecture,
    NCPU: machine.ncpu,
    MemTotal: machine.memTotal,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: registryConfig(src.daemon['registry-mirrors'], src.daemon['insecure-registries']),
    GenericResources: null,
    HttpProxy: maskProxy(proxyEnv('HTTP_PROXY')),
    HttpsProxy: maskProxy(proxyEnv('HTTPS_PROXY')),
    NoProxy: proxyEnv('NO_PROXY'),
    Name: machine.hostname,
    Labels: [],
    ExperimentalBuild: src.daemon.experimental ?? false,
    ServerVersion: build.version,
    Runtimes: {
      runc: { path: runc?.path ?? 'runc' },
      ...(preferredRuntime() === 'crun' ? { crun: { path: CRUN } } : {}),
    },
    DefaultRuntime: preferredRuntime(),
    Swarm: {
      NodeID: '',
      NodeAddr: '',
      LocalNodeState: 'inactive',
      ControlAvailable: false,
      Error: '',
      RemoteManagers: null,
    },
    LiveRestoreEnabled: src.daemon['live-restore'] ?? false,
    Isolation: '',
    InitBinary: 'catatonit',
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: runc?.details.commit ?? '' },
    InitCommit: { ID: '' },
    SecurityOptions: security,
    DefaultAddressPools: (src.daemon['default-address-pools'] ?? []).map((p) => ({
      Base: p.base,
      Size: p.size,
    })),
    CDISpecDirs: [],
    Warnings: [...src.launcherWarnings, ...cgroupWarnings(cgroups)],
  };
}
