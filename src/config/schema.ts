import { z } from 'zod';
import { lazySchema } from '../types/lazy-schema.js';

const addressPool = lazySchema(() =>
  z
    .strictObject({
      base: z
        .string()
        .regex(
          /^(\d+\.\d+\.\d+\.\d+|[0-9a-fA-F:]*:[0-9a-fA-F:]*)\/\d+$/,
          'must be a CIDR such as 10.10.0.0/16 or fd00:1::/48',
        ),
      size: z.number().int().min(8).max(127),
    })
    .refine((p) => p.base.includes(':') || p.size <= 30, {
      message: 'size must be at most 30 for an IPv4 pool',
      path: ['size'],
    }),
);

/**
 * daemon.json, in Docker's vocabulary. Unknown keys stop start-up with the key named.
 * Keys of Docker's we do not act on are not accepted: silently ignoring them would lie.
 */
export const DaemonConfigSchema = lazySchema(() =>
  z.strictObject({
    'data-root': z.string().min(1).optional(),
    hosts: z.array(z.string().min(1)).optional(),
    'log-level': z.enum(['debug', 'info', 'warn', 'warning', 'error', 'fatal']).optional(),
    /** Containers' default log driver; all three write conmon's k8s-file format. */
    'log-driver': z.enum(['json-file', 'local', 'k8s-file']).optional(),
    /** Default options of that driver (`max-size`, `max-file`, ...). */
    'log-opts': z.record(z.string(), z.string()).optional(),
    'storage-driver': z.enum(['overlay', 'overlay2', 'fuse-overlayfs', 'vfs']).optional(),
    'registry-mirrors': z.array(z.url()).optional(),
    'insecure-registries': z.array(z.string().min(1)).optional(),
    dns: z.array(z.ipv4().or(z.ipv6())).optional(),
    'dns-search': z.array(z.string()).optional(),
    'dns-opts': z.array(z.string()).optional(),
    'default-address-pools': z.array(addressPool).optional(),
    /** IPv6 on the default bridge network, with `fixed-cidr-v6` or a /64 from the IPv6 pools. */
    ipv6: z.boolean().optional(),
    'fixed-cidr-v6': z
      .string()
      .regex(/^[0-9a-fA-F:]*:[0-9a-fA-F:]*\/\d+$/, 'must be an IPv6 CIDR such as fd00:1::/64')
      .optional(),
    /** nft (the default where it is installed) or iptables-restore/ip6tables-restore. */
    'firewall-backend': z.enum(['nftables', 'iptables']).optional(),
    'live-restore': z.boolean().optional(),
    mtu: z.number().int().min(1280).max(65520).optional(),
    'max-concurrent-downloads': z.number().int().min(1).max(32).optional(),
    'max-concurrent-uploads': z.number().int().min(1).max(32).optional(),
    tlscacert: z.string().optional(),
    tlscert: z.string().optional(),
    tlskey: z.string().optional(),
    tlsverify: z.boolean().optional(),
    experimental: z.boolean().optional(),
  }),
);

export type DaemonConfig = z.infer<typeof DaemonConfigSchema>;
