import { type BridgeRuleInput, RELAY_MARK } from './nft-ruleset.js';

/**
 * The iptables twin of nft-ruleset.ts, for hosts without `nft` (or with daemon.json
 * `"firewall-backend": "iptables"`): `iptables-restore` and `ip6tables-restore` input with the
 * same meaning as the `ip` and `ip6` rootlessd tables. Each run replaces the tables it names
 * (filter, nat and, for IPv4, mangle) as a whole, atomically: inside the container network
 * they are rootlessd's alone.
 */

const FROM_BRIDGE = 'ROOTLESSD-ISOLATE';

/** The start of a restore file: the filter table with the forward rules, then the nat table. */
function filterAndNat(
  bridges: readonly BridgeRuleInput[],
  closed: (b: BridgeRuleInput) => boolean,
  masquerade: string[],
): string[] {
  const lines = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    `:${FROM_BRIDGE} - [0:0]`,
  ];
  // Within a bridge: pass. Closed bridges reach nothing else. Between bridges: drop.
  for (const b of bridges) lines.push(`-A FORWARD -i ${b.bridge} -o ${b.bridge} -j ACCEPT`);
  for (const b of bridges) {
    if (closed(b)) lines.push(`-A FORWARD -i ${b.bridge} -j DROP`, `-A FORWARD -o ${b.bridge} -j DROP`);
  }
  for (const b of bridges) lines.push(`-A FORWARD -i ${b.bridge} -j ${FROM_BRIDGE}`);
  for (const b of bridges) lines.push(`-A ${FROM_BRIDGE} -o ${b.bridge} -j DROP`);
  lines.push(
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ...masquerade,
    'COMMIT',
  );
  return lines;
}

/**
 * `iptables-restore` input: masquerade out of the uplink for non-internal networks, isolation
 * between bridges, internal bridges closed, and the port relay's marks (see renderRuleset): the
 * mangle OUTPUT chain re-routes like nft's route hook.
 */
export function renderIptables(bridges: readonly BridgeRuleInput[], uplink = 'tap0'): string {
  const masquerade = bridges
    .filter((b) => !b.internal)
    .map((b) => `-A POSTROUTING -s ${b.subnet} -o ${uplink} -j MASQUERADE`);
  const lines = filterAndNat(bridges, (b) => b.internal, masquerade);
  lines.push(
    '*mangle',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ...['tcp', 'udp'].map(
      (p) => `-A OUTPUT -p ${p} -m addrtype ! --src-type LOCAL -j CONNMARK --set-mark ${RELAY_MARK}`,
    ),
    `-A PREROUTING -m connmark --mark ${RELAY_MARK} -j CONNMARK --restore-mark`,
    'COMMIT',
    '',
  );
  return lines.join('\n');
}

/**
 * `ip6tables-restore` input, the twin of renderRuleset6: the same isolation over IPv6 (networks
 * without IPv6 reach nothing but themselves), NAT66 of the IPv6 subnets out of the uplink.
 */
export function renderIp6tables(bridges: readonly BridgeRuleInput[], uplink = 'tap0'): string {
  const masquerade = bridges
    .filter((b) => !b.internal && b.subnet6)
    .map((b) => `-A POSTROUTING -s ${b.subnet6} -o ${uplink} -j MASQUERADE`);
  return [...filterAndNat(bridges, (b) => b.internal || !b.subnet6, masquerade), ''].join('\n');
}
