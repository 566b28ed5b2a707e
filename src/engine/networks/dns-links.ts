import type { DnsAgentConfig } from './dns-config.js';
import { parseLink } from './legacy-links.js';
import type { ContainerNets, NetworkRecord } from './network-record.js';
import type { NetworkCore } from './network-service.js';

/**
 * Per-source DNS names: a container on several user-defined networks resolves the names of
 * all of them through the one server in its resolv.conf; `--link name:alias` on the networks
 * both containers share.
 */
export function addLinks(
  core: NetworkCore,
  wishesOf: (containerId: string) => ContainerNets | undefined,
): (config: DnsAgentConfig) => void {
  return (config) => {
    const serverOf = (n: NetworkRecord) => config.servers.find((s) => s.address === n.ipam[0]?.gateway);
    const bridges = core.bridges();
    for (const n of bridges) {
      const server = serverOf(n);
      if (!server) continue;
      for (const [cid, e] of Object.entries(n.endpoints)) {
        for (const m of bridges) {
          const other = m.id === n.id || !m.endpoints[cid] ? undefined : serverOf(m);
          if (!other) continue;
          const mine = server.perSource[e.ipv4] ?? {};
          for (const [name, ips] of Object.entries(other.records))
            if (!server.records[name]) mine[name] ??= ips;
          server.perSource[e.ipv4] = mine;
        }
      }
    }
    for (const n of core.bridges()) {
      const server = config.servers.find((s) => s.address === n.ipam[0]?.gateway);
      if (!server) continue;
      for (const [cid, e] of Object.entries(n.endpoints)) {
        const w = wishesOf(cid)?.networks.find((x) => x.networkId === n.id);
        for (const link of w?.links ?? []) {
          const { target, alias } = parseLink(link);
          const t = Object.values(n.endpoints).find((x) => x.name === target);
          if (!t) continue;
          const mine = server.perSource[e.ipv4] ?? {};
          mine[alias.toLowerCase()] = t.ipv6 ? [t.ipv4, t.ipv6] : [t.ipv4];
          server.perSource[e.ipv4] = mine;
        }
      }
    }
    // Queries over IPv6 (to the IPv6 gateway) come from the container's IPv6 address.
    for (const n of core.bridges()) {
      const server = serverOf(n);
      if (!server?.address6) continue;
      for (const e of Object.values(n.endpoints)) {
        const mine = server.perSource[e.ipv4];
        if (e.ipv6 && mine) server.perSource[e.ipv6] = mine;
      }
    }
  };
}
