import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';
import { MountSchema } from './volume.js';

/**
 * Docker's ContainerCreateRequest (swagger: ContainerConfig + HostConfig +
 * NetworkingConfig). Fields rootlessd reads are typed; the rest pass through so that the
 * engine can say which ones it does not support.
 */
const StrList = lazySchema(() => z.array(z.string()).nullish());
const StrOrList = lazySchema(() => z.union([z.string(), z.array(z.string())]).nullish());
const StrMap = lazySchema(() => z.record(z.string(), z.string()).nullish());

export const HostConfigSchema = lazySchema(() =>
  z.looseObject({
    Binds: StrList,
    NetworkMode: z.string().nullish(),
    PortBindings: z.record(z.string(), z.unknown()).nullish(),
    PublishAllPorts: z.boolean().nullish(),
    Links: StrList,
    VolumesFrom: StrList,
    VolumeDriver: z.string().nullish(),
    RestartPolicy: z
      .looseObject({ Name: z.string().nullish(), MaximumRetryCount: z.number().nullish() })
      .nullish(),
    AutoRemove: z.boolean().nullish(),
    CapAdd: StrList,
    CapDrop: StrList,
    Dns: StrList,
    DnsOptions: StrList,
    DnsSearch: StrList,
    ExtraHosts: StrList,
    GroupAdd: StrList,
    Privileged: z.boolean().nullish(),
    ReadonlyRootfs: z.boolean().nullish(),
    SecurityOpt: StrList,
    Tmpfs: StrMap,
    ShmSize: z.number().int().nonnegative().nullish(),
    Init: z.boolean().nullish(),
    Memory: z.number().nullish(),
    MemorySwap: z.number().nullish(),
    MemoryReservation: z.number().nullish(),
    NanoCpus: z.number().nullish(),
    CpuShares: z.number().nullish(),
    CpuPeriod: z.number().nullish(),
    CpuQuota: z.number().nullish(),
    CpusetCpus: z.string().nullish(),
    CpusetMems: z.string().nullish(),
    PidsLimit: z.number().nullish(),
    BlkioWeight: z.number().nullish(),
    OomKillDisable: z.boolean().nullish(),
    Mounts: z.array(MountSchema).nullish(),
    LogConfig: z.looseObject({ Type: z.string().nullish(), Config: StrMap }).nullish(),
    PidMode: z.string().nullish(),
    IpcMode: z.string().nullish(),
    UTSMode: z.string().nullish(),
    UsernsMode: z.string().nullish(),
    Devices: z
      .array(
        z.looseObject({
          PathOnHost: z.string(),
          PathInContainer: z.string().nullish(),
          CgroupPermissions: z.string().nullish(),
        }),
      )
      .nullish(),
    Sysctls: StrMap,
    Ulimits: z.array(z.looseObject({ Name: z.string(), Soft: z.number(), Hard: z.number() })).nullish(),
    Runtime: z.string().nullish(),
    Isolation: z.string().nullish(),
    StorageOpt: StrMap,
    DeviceRequests: z
      .array(
        z.looseObject({ Driver: z.string().nullish(), Capabilities: z.array(z.array(z.string())).nullish() }),
      )
      .nullish(),
  }),
);
export type HostConfig = z.infer<typeof HostConfigSchema>;

export const ContainerCreateRequestSchema = lazySchema(() =>
  z.looseObject({
    Hostname: z.string().nullish(),
    Domainname: z.string().nullish(),
    User: z.string().nullish(),
    AttachStdin: z.boolean().nullish(),
    AttachStdout: z.boolean().nullish(),
    AttachStderr: z.boolean().nullish(),
    ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
    Tty: z.boolean().nullish(),
    OpenStdin: z.boolean().nullish(),
    StdinOnce: z.boolean().nullish(),
    Env: StrList,
    Cmd: StrOrList,
    Entrypoint: StrOrList,
    Image: z.string().nullish(),
    Volumes: z.record(z.string(), z.unknown()).nullish(),
    WorkingDir: z.string().nullish(),
    NetworkDisabled: z.boolean().nullish(),
    Labels: StrMap,
    StopSignal: z.string().nullish(),
    StopTimeout: z.number().int().nullish(),
    Healthcheck: z.looseObject({}).nullish(),
    HostConfig: HostConfigSchema.nullish(),
    NetworkingConfig: z
      .looseObject({ EndpointsConfig: z.record(z.string(), z.unknown()).nullish() })
      .nullish(),
  }),
);
export type ContainerCreateRequest = z.infer<typeof ContainerCreateRequestSchema>;

export interface ContainerCreateResponse {
  Id: string;
  Warnings: string[];
}
