import { BlockList, isIP } from 'node:net';
import { DEFAULT_DOMAIN } from '../images/reference.js';

/** What the daemon configuration says about registries (daemon.json vocabulary). */
export interface RegistryConfig {
  /** `registry-mirrors`: URLs tried in order for docker.io before the origin. */
  mirrors?: readonly string[];
  /** `insecure-registries`: `host`, `host:port` or CIDR entries allowed over HTTP / unverified TLS. */
  insecureRegistries?: readonly string[];
}

/** One base URL a registry answers at. */
export interface RegistryEndpoint {
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000` (no trailing slash). */
  url: string;
  /** The registry's host as written in references (`docker.io`, `127.0.0.1:5000`). */
  domain: string;
  /** Skip TLS certificate verification (insecure registries). */
  insecureTls: boolean;
  /** A pull-through mirror: any failure there falls back to the next endpoint. */
  mirror: boolean;
}

export const DOCKER_HUB_REGISTRY = 'https://registry-1.docker.io';

/** Splits `host:port`, `[::1]:5000`, `::1` into host (without brackets) and port. */
export function splitHostPort(hostport: string): { host: string; port?: string } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostport);
  if (bracket) return { host: bracket[1] ?? '', ...(bracket[2] ? { port: bracket[2] } : {}) };
  if (isIP(hostport) === 6) return { host: hostport };
  const i = hostport.lastIndexOf(':');
  if (i > 0 && /^\d+$/.test(hostport.slice(i + 1)))
    return { host: hostport.slice(0, i), port: hostport.slice(i + 1) };
  return { host: hostport };
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Whether a registry may be reached over plain HTTP or unverified TLS: loopback always (as
 * Docker's default 127.0.0.0/8 and ::1 entries), else a matching `insecure-registries`
 * entry (exact `host:port`, bare host, or a CIDR containing the host's IP literal).
 */
export function isInsecureRegistry(domain: string, insecure: readonly string[] = []): boolean {
  const { host } = splitHostPort(domain);
  if (isLoopbackHost(host)) return true;
  const family = isIP(host);
  for (const entry of insecure) {
    const e = entry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    if (e === domain || e === host) return true;
    const cidr = /^(.+)\/(\d+)$/.exec(e);
    if (cidr && family !== 0) {
      const net = cidr[1] ?? '';
      const netFamily = isIP(net);
      if (netFamily !== family) continue;
      const list = new BlockList();
      list.addSubnet(net, Number(cidr[2]), netFamily === 6 ? 'ipv6' : 'ipv4');
      if (list.check(host, family === 6 ? 'ipv6' : 'ipv4')) return true;
    }
  }
  return false;
}

/**
 * The base URLs to try for a registry, in order: for docker.io the mirrors then the Hub;
 * for an insecure registry https (unverified) then http; otherwise https only. Pushes
 * never go to mirrors.
 */
export function registryEndpoints(
  domain: string,
  config: RegistryConfig = {},
  purpose: 'pull' | 'push' = 'pull',
): RegistryEndpoint[] {
  const insecureList = config.insecureRegistries ?? [];
  const out: RegistryEndpoint[] = [];
  if (domain === DEFAULT_DOMAIN) {
    if (purpose === 'pull') {
      for (const mirror of config.mirrors ?? []) {
        const url = new URL(mirror);
        out.push({
          url: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`,
          domain,
          insecureTls: isInsecureRegistry(url.host, insecureList),
          mirror: true,
        });
      }
    }
    out.push({ url: DOCKER_HUB_REGISTRY, domain, insecureTls: false, mirror: false });
    return out;
  }
  if (isInsecureRegistry(domain, insecureList)) {
    out.push({ url: `https://${domain}`, domain, insecureTls: true, mirror: false });
    out.push({ url: `http://${domain}`, domain, insecureTls: true, mirror: false });
    return out;
  }
  out.push({ url: `https://${domain}`, domain, insecureTls: false, mirror: false });
  return out;
}
