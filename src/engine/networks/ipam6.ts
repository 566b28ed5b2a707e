import { Conflict, InvalidParameter, Unavailable } from '../../errdefs/index.js';
import type { AddressPool } from './ipam.js';
import {
  type Cidr6,
  contains6,
  formatCidr6,
  formatIpv6,
  last6,
  overlaps6,
  parseCidr6,
  parseIpv6,
  requireCidr6,
} from './ipv6.js';

/** The first /size subnet of the IPv6 pools that overlaps none of `used`; Docker's error otherwise. */
export function allocateSubnet6(pools: readonly AddressPool[], used: readonly Cidr6[]): Cidr6 {
  for (const pool of pools) {
    const base = parseCidr6(pool.base);
    if (!base || pool.size < base.prefix || pool.size > 127) continue;
    const step = 1n << BigInt(128 - pool.size);
    // Skip past used subnets instead of walking every /64 of a large pool.
    for (let start = base.base; start + step - 1n <= last6(base); ) {
      const candidate: Cidr6 = { base: start, prefix: pool.size };
      const hit = used.find((u) => overlaps6(u, candidate));
      if (!hit) return candidate;
      const next = last6(hit) + 1n;
      start = next > start + step ? ((next + step - 1n) / step) * step : start + step;
    }
  }
  throw new Unavailable(
    'could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network',
  );
}

/** An IPv6 subnet the user asked for: valid and overlapping nothing in use. */
export function checkRequestedSubnet6(text: string, used: readonly Cidr6[]): Cidr6 {
  const c = parseCidr6(text);
  if (!c) throw new InvalidParameter(`invalid subnet ${text}: invalid CIDR block notation`);
  if (c.prefix > 127) throw new InvalidParameter(`invalid subnet ${text}: too small for a network`);
  if (used.some((u) => overlaps6(u, c)))
    throw new Conflict('invalid pool request: Pool overlaps with other one on this address space');
  return c;
}

export interface PoolConfig6 {
  subnet: Cidr6;
  range: Cidr6;
  gateway: bigint;
}

/** Subnet + optional IPRange and Gateway of an IPv6 IPAM config, checked as Docker does. */
export function poolConfig6(subnet: Cidr6, ipRange?: string | null, gateway?: string | null): PoolConfig6 {
  let range = subnet;
  if (ipRange) {
    range = requireCidr6(ipRange, 'ip-range');
    if (!contains6(subnet, range.base) || !contains6(subnet, last6(range)))
      throw new InvalidParameter(`Invalid range ${ipRange} for subnet ${formatCidr6(subnet)}`);
  }
  let gw = subnet.base + 1n;
  if (gateway) {
    const parsed = parseIpv6(gateway);
    if (parsed === undefined) throw new InvalidParameter(`invalid gateway address ${gateway}`);
    if (!contains6(subnet, parsed))
      throw new InvalidParameter(`Invalid gateway ${gateway} for subnet ${formatCidr6(subnet)}`);
    gw = parsed;
  }
  return { subnet, range, gateway: gw };
}

/** How many free addresses are looked at before the range counts as full (a /64 is huge). */
const SCAN_LIMIT = 1 << 20;

/**
 * Picks an IPv6 address: the requested one (inside the subnet, free) or the lowest free one of
 * the range, never the subnet-router anycast address (the subnet's own) or the gateway.
 */
export function allocateAddress6(pool: PoolConfig6, taken: ReadonlySet<string>, requested?: string): bigint {
  const reserved = (ip: bigint) => ip === pool.subnet.base || ip === pool.gateway;
  if (requested) {
    const ip = parseIpv6(requested);
    if (ip === undefined) throw new InvalidParameter(`invalid IPv6 address: ${requested}`);
    if (!contains6(pool.subnet, ip))
      throw new InvalidParameter(
        `Invalid address ${requested}: It does not belong to any of this network's subnets`,
      );
    if (taken.has(formatIpv6(ip)) || reserved(ip)) throw new Conflict('Address already in use');
    return ip;
  }
  // The range lies inside the subnet (poolConfig6 checked it): its end is the end.
  const end = last6(pool.range);
  let ip = pool.range.base;
  for (let n = 0; ip <= end && n < SCAN_LIMIT; ip++, n++) {
    if (!reserved(ip) && !taken.has(formatIpv6(ip))) return ip;
  }
  throw new Unavailable(
    `no available IPv6 addresses on this network's address pools: ${formatCidr6(pool.subnet)}`,
  );
}

export { formatCidr6, formatIpv6, parseCidr6 };
