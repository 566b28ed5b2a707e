import { z } from 'zod';
import type { ContainerCreateRequest, HostConfig } from '../../types/container-create.js';
import { lazySchema } from '../../types/lazy-schema.js';
import { HealthStateSchema } from './healthcheck.js';

export type ContainerStatus =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead';

/** What changes while a container lives: `<dataRoot>/containers/<id>/state.json`. */
export const ContainerStateSchema = lazySchema(() =>
  z.object({
    status: z.enum(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']),
    pid: z.number().int(),
    conmonPid: z.number().int(),
    exitCode: z.number().int(),
    error: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    oomKilled: z.boolean(),
    /** Set by stop/kill so that `die` is followed by the right events and restart policies know. */
    stoppedByUser: z.boolean().optional(),
    restartCount: z.number().int().optional(),
    /** The rootfs is mounted (cleanup still owed). */
    mounted: z.boolean().optional(),
    /** Docker's State.Health, present once a container with a health check started. */
    health: HealthStateSchema.optional(),
  }),
);
export type ContainerState = z.infer<typeof ContainerStateSchema>;

/** The container's config as created: `<dataRoot>/containers/<id>/config.json`. */
export const ContainerRecordSchema = lazySchema(() =>
  z.object({
    id: z.string().regex(/^[0-9a-f]{64}$/),
    /** With the leading slash. */
    name: z.string(),
    created: z.string(),
    /** The image as the client named it, and its id. */
    image: z.string(),
    imageId: z.string(),
    /** The image's chain id (the rootfs snapshot's parent). */
    chainId: z.string().optional(),
    path: z.string(),
    args: z.array(z.string()),
    /** Docker's Config (merged with the image's), as inspect shows it. */
    config: z.record(z.string(), z.unknown()),
    hostConfig: z.record(z.string(), z.unknown()),
    networkingConfig: z.record(z.string(), z.unknown()).optional(),
    driver: z.string(),
    /** `/` + `/etc/passwd` resolved user, computed at start. */
    warnings: z.array(z.string()).optional(),
  }),
);
export type ContainerRecord = z.infer<typeof ContainerRecordSchema>;

/** The typed views of `config` and `hostConfig`. */
type KnownKeys<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
export type RecordConfig = Omit<KnownKeys<ContainerCreateRequest>, 'HostConfig' | 'NetworkingConfig'> & {
  Env: string[];
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  Labels: Record<string, string>;
  Image: string;
};

export function configOf(record: ContainerRecord): RecordConfig {
  return record.config as RecordConfig;
}

export function hostConfigOf(record: ContainerRecord): KnownKeys<HostConfig> {
  return record.hostConfig as KnownKeys<HostConfig>;
}

export function initialState(): ContainerState {
  return {
    status: 'created',
    pid: 0,
    conmonPid: 0,
    exitCode: 0,
    error: '',
    startedAt: '0001-01-01T00:00:00Z',
    finishedAt: '0001-01-01T00:00:00Z',
    oomKilled: false,
  };
}
