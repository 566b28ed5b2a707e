import { z } from 'zod';
import { lazySchema } from '../../types/lazy-schema.js';

/** One container's endpoint on a network (present while the container runs). */
export const EndpointRecordSchema = lazySchema(() =>
  z.object({
    endpointId: z.string(),
    /** Container name without the leading slash. */
    name: z.string(),
    ipv4: z.string(),
    /** On IPv6-enabled networks. */
    ipv6: z.string().optional(),
    mac: z.string(),
    /** Interface name inside the container (eth0, eth1, …) and the host-side veth. */
    ifname: z.string(),
    hostVeth: z.string(),
    aliases: z.array(z.string()),
    /** DNS names the embedded server answers for this endpoint. */
    dnsNames: z.array(z.string()),
  }),
);
export type EndpointRecord = z.infer<typeof EndpointRecordSchema>;

/** `<dataRoot>/networks/<id>.json` */
export const NetworkRecordSchema = lazySchema(() =>
  z.object({
    id: z.string().regex(/^[0-9a-f]{64}$/),
    name: z.string(),
    created: z.string(),
    /** 'bridge' | 'host' | 'null' */
    driver: z.string(),
    internal: z.boolean(),
    /** `--ipv6`: the network has an IPv6 pool (the ipam entry whose subnet has a colon). */
    enableIpv6: z.boolean().optional(),
    attachable: z.boolean(),
    /** A subnet the user chose (then containers may ask for a fixed address). */
    userSubnet: z.boolean(),
    /** An IPv6 subnet the user chose (then containers may ask for a fixed IPv6 address). */
    userSubnet6: z.boolean().optional(),
    ipam: z.array(z.object({ subnet: z.string(), ipRange: z.string().optional(), gateway: z.string() })),
    ipamOptions: z.record(z.string(), z.string()),
    options: z.record(z.string(), z.string()),
    labels: z.record(z.string(), z.string()),
    /** The Linux bridge inside the container network (bridge driver only). */
    bridge: z.string().optional(),
    endpoints: z.record(z.string(), EndpointRecordSchema),
  }),
);
export type NetworkRecord = z.infer<typeof NetworkRecordSchema>;

export const PREDEFINED = new Set(['bridge', 'host', 'none']);

export function isPredefined(n: NetworkRecord): boolean {
  return PREDEFINED.has(n.name);
}

/** Per-container network wishes: `<dataRoot>/networks/containers/<id>.json`. */
export const ContainerNetsSchema = lazySchema(() =>
  z.object({
    /** network id → what the container asked for on it (in connection order). */
    networks: z.array(
      z.object({
        networkId: z.string(),
        aliases: z.array(z.string()),
        ipv4: z.string().optional(),
        ipv6: z.string().optional(),
        links: z.array(z.string()),
        mac: z.string().optional(),
      }),
    ),
  }),
);
export type ContainerNets = z.infer<typeof ContainerNetsSchema>;
export type ContainerNetWish = ContainerNets['networks'][number];

/** The IPv4 and IPv6 pools of a network (IPv6 only when enabled). */
export function poolsOf(n: NetworkRecord): {
  v4?: NetworkRecord['ipam'][number];
  v6?: NetworkRecord['ipam'][number];
} {
  const v4 = n.ipam.find((p) => !p.subnet.includes(':'));
  const v6 = n.enableIpv6 ? n.ipam.find((p) => p.subnet.includes(':')) : undefined;
  return { ...(v4 ? { v4 } : {}), ...(v6 ? { v6 } : {}) };
}
