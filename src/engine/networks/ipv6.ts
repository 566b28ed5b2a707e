import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { InvalidParameter } from '../../errdefs/index.js';

/** An IPv6 prefix: network address (128-bit, as a bigint) and length. */
export interface Cidr6 {
  base: bigint;
  prefix: number;
}

const ALL = (1n << 128n) - 1n;

/** "fd00::1" → 128-bit number; undefined when not an IPv6 address (zone ids refused). */
export function parseIpv6(text: string): bigint | undefined {
  const t = text.trim();
  if (!isIPv6(t) || t.includes('%')) return undefined;
  let s = t;
  // An embedded IPv4 tail (::ffff:1.2.3.4) as two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const tl = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - tl.length).fill('0'), ...tl];
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** The canonical (RFC 5952) text of a 128-bit address: lower case, longest zero run as "::". */
export function formatIpv6(n: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

export function mask6(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL;
}

/** "fd00:dead:beef::/64" → Cidr6 (host bits cleared); undefined when malformed or IPv4. */
export function parseCidr6(text: string): Cidr6 | undefined {
  const [addr, len, ...rest] = text.trim().split('/');
  if (rest.length || addr === undefined || len === undefined || !/^\d{1,3}$/.test(len)) return undefined;
  const ip = parseIpv6(addr);
  const prefix = Number(len);
  if (ip === undefined || prefix > 128) return undefined;
  return { base: ip & mask6(prefix), prefix };
}

export function requireCidr6(text: string, what = 'subnet'): Cidr6 {
  const c = parseCidr6(text);
  if (!c) throw new InvalidParameter(`invalid CIDR address: ${text}${what === 'subnet' ? '' : ` (${what})`}`);
  return c;
}

export function formatCidr6(c: Cidr6): string {
  return `${formatIpv6(c.base)}/${c.prefix}`;
}

export function last6(c: Cidr6): bigint {
  return c.base | (~mask6(c.prefix) & ALL);
}

export function contains6(c: Cidr6, ip: bigint): boolean {
  return (ip & mask6(c.prefix)) === c.base;
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return a.base <= last6(b) && b.base <= last6(a);
}

/** Whether a text is an IPv6 prefix or address (has a colon), as Docker tells the families apart. */
export function isV6Text(text: string | undefined | null): boolean {
  return Boolean(text?.includes(':'));
}

/**
 * Docker's default IPv6 pool when daemon.json names none: a unique local /48 (fd00::/8 plus a
 * 40-bit global id derived from the engine's identity, RFC 4193), split into /64s.
 */
export function ulaPool(seed: string): { base: string; size: number } {
  const h = createHash('sha256').update(seed).digest();
  const id = [h[0], h[1], h[2], h[3], h[4]] as number[];
  const g = (a: number, b: number) => ((a << 8) | b).toString(16);
  return {
    base: `${g(0xfd, id[0] as number)}:${g(id[1] as number, id[2] as number)}:${g(id[3] as number, id[4] as number)}::/48`,
    size: 64,
  };
}
