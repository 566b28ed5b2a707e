import { InvalidParameter } from '../../errdefs/index.js';

/** An IPv4 prefix: network address (as an unsigned 32-bit number) and length. */
export interface Cidr {
  base: number;
  prefix: number;
}

export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return (
    (((parts[0] as number) << 24) |
      ((parts[1] as number) << 16) |
      ((parts[2] as number) << 8) |
      (parts[3] as number)) >>>
    0
  );
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "172.18.0.0/16" → Cidr (host bits cleared); undefined when malformed or IPv6. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, ...rest] = text.trim().split('/');
  if (rest.length || addr === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const ip = parseIpv4(addr);
  const prefix = Number(len);
  if (ip === undefined || prefix > 32) return undefined;
  return { base: (ip & mask(prefix)) >>> 0, prefix };
}

export function requireCidr(text: string, what = 'subnet'): Cidr {
  const c = parseCidr(text);
  if (!c) {
    if (text.includes(':'))
      throw new InvalidParameter(`IPv6 is not supported by rootlessd yet: ${what} ${text}`);
    throw new InvalidParameter(`invalid CIDR address: ${text}`);
  }
  return c;
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.base)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function last(c: Cidr): number {
  return c.base + size(c) - 1;
}

export function contains(c: Cidr, ip: number): boolean {
  return (ip & mask(c.prefix)) >>> 0 === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base <= last(b) && b.base <= last(a);
}

/** "02:42:ac:11:00:02" from an IPv4 address, as Docker derived MACs. */
export function macFor(ip: number): string {
  const bytes = [0x02, 0x42, ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
