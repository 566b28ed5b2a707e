import { findProgram } from '../../drivers/component-versions.js';

/** daemon.json `firewall-backend`, as Docker names them. */
export type FirewallBackend = 'nftables' | 'iptables';

/** How the container network's rules are applied. */
export interface Firewall {
  kind: FirewallBackend;
  /** The iptables backend: absolute paths of iptables-restore and, if there, ip6tables-restore. */
  iptables?: string;
  ip6tables?: string;
  /** Whether IPv6 networks can be isolated and NATed (false: iptables without ip6tables). */
  ipv6: boolean;
}

/**
 * nft when it is there (or asked for), else iptables-restore and ip6tables-restore (the
 * iptables-nft or legacy commands), else nft all the same (its runs fail and say so, as before).
 */
export async function chooseFirewall(
  preference: FirewallBackend | undefined,
  find: (name: string) => Promise<string | undefined> = findProgram,
): Promise<Firewall> {
  const nft: Firewall = { kind: 'nftables', ipv6: true };
  if (preference === 'nftables') return nft;
  if (preference !== 'iptables' && (await find('nft'))) return nft;
  const [v4, v6] = await Promise.all([find('iptables-restore'), find('ip6tables-restore')]);
  if (!v4) return nft;
  return { kind: 'iptables', iptables: v4, ...(v6 ? { ip6tables: v6 } : {}), ipv6: Boolean(v6) };
}

/** Why an IPv6 network cannot be made with this firewall (Docker-style message). */
export function noIpv6Message(): string {
  return 'IPv6 networks need ip6tables-restore, which was not found (the iptables firewall backend is in use): install ip6tables or nftables, or create the network without --ipv6';
}
