import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderIp6tables, renderIptables } from './iptables-ruleset.js';

const BRIDGES = [
  { bridge: 'docker0', subnet: '172.17.0.0/16', internal: false },
  { bridge: 'br-6', subnet: '172.18.0.0/16', subnet6: 'fd00:1::/64', internal: false },
  { bridge: 'br-6i', subnet: '172.19.0.0/16', subnet6: 'fd00:2::/64', internal: true },
];

/** The lines of one table of a restore file, from `*name` to its COMMIT. */
function table(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`*${name}`);
  assert.ok(start >= 0, `table ${name} present`);
  return lines.slice(start, lines.indexOf('COMMIT', start) + 1);
}

test('iptables: masquerade of non-internal networks, isolation, internal networks closed', () => {
  const r = renderIptables(BRIDGES);
  const nat = table(r, 'nat');
  assert.ok(nat.includes('-A POSTROUTING -s 172.17.0.0/16 -o tap0 -j MASQUERADE'));
  assert.ok(nat.includes('-A POSTROUTING -s 172.18.0.0/16 -o tap0 -j MASQUERADE'));
  assert.ok(!nat.some((l) => l.includes('172.19.0.0/16')), 'internal: no way out');
  const filter = table(r, 'filter');
  const accept = filter.indexOf('-A FORWARD -i br-6i -o br-6i -j ACCEPT');
  const closed = filter.indexOf('-A FORWARD -i br-6i -j DROP');
  assert.ok(accept >= 0 && closed > accept, 'within the internal bridge before its drop');
  assert.ok(filter.includes('-A FORWARD -o br-6i -j DROP'));
  assert.ok(!filter.includes('-A FORWARD -i docker0 -j DROP'));
  for (const b of BRIDGES) {
    assert.ok(filter.includes(`-A FORWARD -i ${b.bridge} -j ROOTLESSD-ISOLATE`));
    assert.ok(filter.includes(`-A ROOTLESSD-ISOLATE -o ${b.bridge} -j DROP`));
  }
  assert.ok(filter.includes(':ROOTLESSD-ISOLATE - [0:0]'), 'the chain is declared');
});

test('iptables: the port relay marks (mangle OUTPUT re-routes) and restores them', () => {
  const mangle = table(renderIptables([]), 'mangle');
  assert.ok(mangle.includes('-A OUTPUT -p tcp -m addrtype ! --src-type LOCAL -j CONNMARK --set-mark 100'));
  assert.ok(mangle.includes('-A OUTPUT -p udp -m addrtype ! --src-type LOCAL -j CONNMARK --set-mark 100'));
  assert.ok(mangle.includes('-A PREROUTING -m connmark --mark 100 -j CONNMARK --restore-mark'));
});

test('ip6tables: NAT66 of IPv6 networks, isolation, networks without IPv6 closed over IPv6', () => {
  const r = renderIp6tables(BRIDGES);
  const nat = table(r, 'nat');
  assert.deepEqual(
    nat.filter((l) => l.startsWith('-A')),
    ['-A POSTROUTING -s fd00:1::/64 -o tap0 -j MASQUERADE'],
    'only the non-internal IPv6 subnet',
  );
  const filter = table(r, 'filter');
  assert.ok(filter.includes('-A FORWARD -i docker0 -j DROP'), 'a network without IPv6 forwards no IPv6');
  assert.ok(filter.includes('-A FORWARD -i br-6i -j DROP'));
  assert.ok(!filter.includes('-A FORWARD -i br-6 -j DROP'));
  assert.ok(filter.includes('-A ROOTLESSD-ISOLATE -o br-6 -j DROP'));
  assert.doesNotMatch(r, /\*mangle/, 'the relay marks are IPv4 only, as in nft');
  assert.ok(r.endsWith('COMMIT\n'));
});
