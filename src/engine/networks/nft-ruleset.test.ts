import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderRuleset, renderRuleset6 } from './nft-ruleset.js';

test('masquerades non-internal networks and isolates bridges', () => {
  const r = renderRuleset([
    { bridge: 'docker0', subnet: '172.17.0.0/16', internal: false },
    { bridge: 'br-1', subnet: '172.18.0.0/16', internal: true },
  ]);
  assert.match(r, /ip saddr 172\.17\.0\.0\/16 oifname "tap0" masquerade/);
  assert.doesNotMatch(r, /172\.18\.0\.0\/16 oifname "tap0" masquerade/);
  assert.match(r, /iifname "br-1" drop/);
  assert.match(r, /iifname \{ "docker0", "br-1" \} oifname \{ "docker0", "br-1" \} drop/);
  assert.ok(r.indexOf('iifname "docker0" oifname "docker0" accept') < r.indexOf('iifname "br-1" drop'));
});

test('marks the port relay connections from client addresses and restores the mark (v4 and v6)', () => {
  for (const r of [renderRuleset([]), renderRuleset6([])]) {
    assert.match(r, /type route hook output .*\n.*fib saddr type != local ct mark set 100/);
    assert.match(r, /hook prerouting .*\n\s+ct mark 100 meta mark set ct mark/);
    assert.match(r, /\n\}\n$/);
  }
});

test('the ip6 table masquerades IPv6 networks and isolates bridges over IPv6 too', () => {
  const r = renderRuleset6([
    { bridge: 'br-6', subnet: '172.18.0.0/16', subnet6: 'fd00:1::/64', internal: false },
    { bridge: 'br-6i', subnet: '172.19.0.0/16', subnet6: 'fd00:2::/64', internal: true },
    { bridge: 'docker0', subnet: '172.17.0.0/16', internal: false },
  ]);
  assert.match(r, /^table ip6 rootlessd\ndelete table ip6 rootlessd\ntable ip6 rootlessd \{/);
  assert.match(r, /ip6 saddr fd00:1::\/64 oifname "tap0" masquerade/);
  assert.doesNotMatch(r, /fd00:2::\/64 oifname "tap0" masquerade/, 'internal: no way out');
  assert.match(r, /iifname "br-6i" drop/);
  assert.match(r, /iifname "docker0" drop/, 'a network without IPv6 forwards no IPv6');
  assert.doesNotMatch(r, /iifname "br-6" drop/);
  assert.match(r, /iifname \{ "br-6", "br-6i", "docker0" \} oifname \{ "br-6", "br-6i", "docker0" \} drop/);
});
