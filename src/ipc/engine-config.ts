import { z } from 'zod';
import { DaemonConfigSchema } from '../config/schema.js';
import { lazySchema } from '../types/lazy-schema.js';

/** One contiguous id mapping, as written to /proc/PID/uid_map: inside outside size. */
export const IdRangeSchema = lazySchema(() =>
  z.strictObject({
    inside: z.number().int().min(0),
    outside: z.number().int().min(0),
    size: z.number().int().min(1),
  }),
);
export type IdRange = z.infer<typeof IdRangeSchema>;

export const IdMapSchema = lazySchema(() =>
  z.strictObject({
    /** 'range': a subordinate range is mapped; 'single': only the user's own id is root inside. */
    mode: z.enum(['range', 'single']),
    uids: z.array(IdRangeSchema).min(1),
    gids: z.array(IdRangeSchema).min(1),
  }),
);
export type IdMap = z.infer<typeof IdMapSchema>;

export const TcpListenerSchema = lazySchema(() =>
  z.strictObject({
    host: z.string(),
    port: z.number().int().min(1).max(65535),
    tls: z.strictObject({ ca: z.string(), cert: z.string(), key: z.string() }),
  }),
);
export type TcpListener = z.infer<typeof TcpListenerSchema>;

/**
 * What the launcher hands the engine when it starts it (JSON in the environment variable
 * ROOTLESSD_ENGINE_CONFIG). Everything the engine needs to know about the host side.
 */
export const EngineConfigSchema = lazySchema(() =>
  z.strictObject({
    launcherPid: z.number().int(),
    holderPid: z.number().int(),
    hostUid: z.number().int(),
    hostGid: z.number().int(),
    hostUser: z.string(),
    runtimeDir: z.string(),
    dataRoot: z.string(),
    configFile: z.string().optional(),
    unixSockets: z.array(z.string()).min(1),
    tcpListeners: z.array(TcpListenerSchema),
    idMap: IdMapSchema,
    slirp: z
      .strictObject({
        apiSocket: z.string(),
        mtu: z.number().int(),
        cidr: z.string(),
        gateway: z.string(),
        dns: z.string(),
        hostLoopback: z.boolean(),
      })
      .optional(),
    /** The validated daemon.json merged with command-line flags. */
    daemon: DaemonConfigSchema,
    /** Warnings the launcher found (single-id mode, data root moved off NFS, …); shown in `docker info`. */
    warnings: z.array(z.string()),
  }),
);
export type EngineConfig = z.infer<typeof EngineConfigSchema>;

export const ENGINE_CONFIG_ENV = 'ROOTLESSD_ENGINE_CONFIG';
