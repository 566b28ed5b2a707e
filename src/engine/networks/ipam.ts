import { Conflict, InvalidParameter, Unavailable } from '../../errdefs/index.js';
import {
  type Cidr,
  contains,
  formatCidr,
  formatIpv4,
  last,
  overlaps,
  parseCidr,
  parseIpv4,
  requireCidr,
  size,
} from './ipv4.js';

/** One entry of daemon.json `default-address-pools`. */
export interface AddressPool {
  base: string;
  size: number;
}

/** Docker's default pools: 172.17–31.0.0/16 as /16s, then 192.168.0.0/16 as /20s. */
export const DOCKER_DEFAULT_POOLS: AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/15', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/13', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/** The first subnet from the pools that overlaps none of `used`; Docker's error otherwise. */
export function allocateSubnet(pools: readonly AddressPool[], used: readonly Cidr[]): Cidr {
  for (const pool of pools) {
    const base = requireCidr(pool.base, 'address pool');
    if (pool.size < base.prefix || pool.size > 30) continue;
    const step = 2 ** (32 - pool.size);
    for (let start = base.base; start + step - 1 <= last(base); start += step) {
      const candidate: Cidr = { base: start >>> 0, prefix: pool.size };
      if (!used.some((u) => overlaps(u, candidate))) return candidate;
    }
  }
  throw new Unavailable(
    'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
  );
}

/** A subnet the user asked for: valid and overlapping nothing in use. */
export function checkRequestedSubnet(text: string, used: readonly Cidr[]): Cidr {
  const c = requireCidr(text);
  if (c.prefix > 30) throw new InvalidParameter(`invalid subnet ${text}: too small for a network`);
  if (used.some((u) => overlaps(u, c)))
    throw new Conflict('invalid pool request: Pool overlaps with other one on this address space');
  return c;
}

export interface PoolConfig {
  subnet: Cidr;
  range: Cidr;
  gateway: number;
}

/** Subnet + optional IPRange and Gateway from a create request, checked as Docker does. */
export function poolConfig(subnet: Cidr, ipRange?: string | null, gateway?: string | null): PoolConfig {
  let range = subnet;
  if (ipRange) {
    range = requireCidr(ipRange, 'ip-range');
    if (!contains(subnet, range.base) || !contains(subnet, last(range)))
      throw new InvalidParameter(`Invalid range ${ipRange} for subnet ${formatCidr(subnet)}`);
  }
  let gw = subnet.base + 1;
  if (gateway) {
    const parsed = parseIpv4(gateway);
    if (parsed === undefined) throw new InvalidParameter(`invalid gateway address ${gateway}`);
    if (!contains(subnet, parsed))
      throw new InvalidParameter(`Invalid gateway ${gateway} for subnet ${formatCidr(subnet)}`);
    gw = parsed;
  }
  return { subnet, range, gateway: gw >>> 0 };
}

/**
 * Picks an address: the requested one (must be inside the subnet and free) or the lowest free
 * one of the range, never the network, broadcast or gateway address.
 */
export function allocateAddress(pool: PoolConfig, taken: ReadonlySet<number>, requested?: string): number {
  const reserved = (ip: number) => ip === pool.subnet.base || ip === last(pool.subnet) || ip === pool.gateway;
  if (requested) {
    const ip = parseIpv4(requested);
    if (ip === undefined) throw new InvalidParameter(`invalid IPv4 address: ${requested}`);
    if (!contains(pool.subnet, ip))
      throw new InvalidParameter(
        `Invalid address ${requested}: It does not belong to any of this network's subnets`,
      );
    if (taken.has(ip) || reserved(ip)) throw new Conflict(`Address already in use`);
    return ip;
  }
  const end = Math.min(last(pool.range), last(pool.subnet));
  for (let ip = pool.range.base; ip <= end; ip++) {
    if (!reserved(ip) && !taken.has(ip)) return ip;
  }
  throw new Unavailable(
    `no available IPv4 addresses on this network's address pools: ${formatCidr(pool.subnet)}`,
  );
}

export { formatIpv4, parseCidr, size };
