/** What the ruleset needs to know about one bridge network. */
export interface BridgeRuleInput {
  bridge: string;
  subnet: string;
  /** The IPv6 subnet of an IPv6-enabled network. */
  subnet6?: string;
  internal: boolean;
}

export const NFT_TABLE = 'rootlessd';
/** The mark of the port relay's connections from foreign (client) addresses; see HolderNet.init. */
export const RELAY_MARK = 100;

const q = (s: string) => JSON.stringify(s);

/**
 * The start of a table of `family` (replaced atomically) and its forward chain: traffic within
 * a bridge passes, bridges for which `closed` holds reach nothing else, and traffic between
 * different bridges is dropped (isolation). Leaves the forward chain closed.
 */
function tableWithForward(
  family: 'ip' | 'ip6',
  bridges: readonly BridgeRuleInput[],
  closed: (b: BridgeRuleInput) => boolean,
): string[] {
  const lines: string[] = [
    `table ${family} ${NFT_TABLE}`,
    `delete table ${family} ${NFT_TABLE}`,
    `table ${family} ${NFT_TABLE} {`,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
  ];
  for (const b of bridges) lines.push(`    iifname ${q(b.bridge)} oifname ${q(b.bridge)} accept`);
  for (const b of bridges) {
    if (closed(b)) {
      lines.push(`    iifname ${q(b.bridge)} drop`);
      lines.push(`    oifname ${q(b.bridge)} drop`);
    }
  }
  if (bridges.length > 0) {
    const set = `{ ${bridges.map((b) => q(b.bridge)).join(', ')} }`;
    lines.push(`    iifname ${set} oifname ${set} drop`);
  }
  lines.push('  }', '  chain postrouting {', '    type nat hook postrouting priority srcnat; policy accept;');
  return lines;
}

/**
 * The end of a table: the port relay's connections from client addresses get ct mark RELAY_MARK
 * (route hook, so they are rerouted by mark), which their replies get as packet mark.
 */
const relayChains = [
  '  chain relay-mark {',
  '    type route hook output priority mangle; policy accept;',
  `    meta l4proto { tcp, udp } fib saddr type != local ct mark set ${RELAY_MARK}`,
  '  }',
  '  chain relay-restore {',
  '    type filter hook prerouting priority mangle; policy accept;',
  `    ct mark ${RELAY_MARK} meta mark set ct mark`,
  '  }',
  '}',
  '',
];

/**
 * The whole nft table for the container network, replaced atomically on every change:
 * masquerade out of the uplink for non-internal networks, traffic between different bridges
 * dropped (isolation), internal bridges reach nothing but themselves.
 */
export function renderRuleset(bridges: readonly BridgeRuleInput[], uplink = 'tap0'): string {
  const lines = tableWithForward('ip', bridges, (b) => b.internal);
  for (const b of bridges) {
    if (!b.internal) lines.push(`    ip saddr ${b.subnet} oifname ${q(uplink)} masquerade`);
  }
  lines.push('  }', ...relayChains);
  return lines.join('\n');
}

/**
 * The IPv6 twin of the table (`table ip6`), for IPv6-enabled networks: the same isolation
 * between bridges and for internal ones (networks without IPv6 reach nothing but themselves
 * over IPv6), and masquerade of their IPv6 subnets out of the uplink (slirp4netns's fd00::/64,
 * see docs/networking.md), and the relay's marks for IPv6 clients.
 */
export function renderRuleset6(bridges: readonly BridgeRuleInput[], uplink = 'tap0'): string {
  const lines = tableWithForward('ip6', bridges, (b) => b.internal || !b.subnet6);
  for (const b of bridges) {
    if (!b.internal && b.subnet6) lines.push(`    ip6 saddr ${b.subnet6} oifname ${q(uplink)} masquerade`);
  }
  lines.push('  }', ...relayChains);
  return lines.join('\n');
}
