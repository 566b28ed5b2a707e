import { InvalidParameter } from '../../errdefs/index.js';
import type { EndpointRecord, NetworkRecord } from './network-record.js';

/**
 * `--link target[:alias]` on the default bridge, where Docker has no DNS: /etc/hosts lines
 * (alias, the target's short id, its name) for targets running on that bridge. On user-defined
 * networks links are DNS names (dns-links.ts).
 */

/** A link, `target[:alias]`, names with or without their `/` (Docker stores `/target:/self/alias`); DNS links too. */
export function parseLink(link: string): { target: string; alias: string } {
  const [target = '', alias = target] = link.split(':').map((s) => s.replace(/^.*\//, ''));
  return { target, alias };
}

function endpointOf(bridge: NetworkRecord, target: string): [string, EndpointRecord] | undefined {
  const entries = Object.entries(bridge.endpoints);
  return entries.find(([, e]) => e.name === target) ?? entries.find(([id]) => id.startsWith(target));
}

/**
 * Docker's check at start: every target runs on the default bridge. `self` is the linking
 * container's name (without `/`).
 */
export function checkLegacyLinks(bridge: NetworkRecord, self: string, links: readonly string[]): void {
  for (const link of links) {
    const { target, alias } = parseLink(link);
    if (!endpointOf(bridge, target))
      throw new InvalidParameter(`Cannot link to a non running container: /${target} AS /${self}/${alias}`);
  }
}

/** The /etc/hosts lines for a container's links on the default bridge. */
export function legacyLinkHosts(bridge: NetworkRecord, links: readonly string[]): string[] {
  const lines: string[] = [];
  for (const link of links) {
    const { target, alias } = parseLink(link);
    const found = endpointOf(bridge, target);
    if (!found) continue;
    const [id, e] = found;
    const names = [...new Set([alias, id.slice(0, 12), e.name])];
    lines.push(`${e.ipv4}\t${names.join(' ')}`);
  }
  return lines;
}
