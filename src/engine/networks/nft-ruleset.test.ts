import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderRuleset } from './nft-ruleset.js';

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

test('marks the port relay connections from client addresses and restores the mark', () => {
  const r = renderRuleset([]);
  assert.match(r, /type route hook output .*\n.*fib saddr type != local ct mark set 100/);
  assert.match(r, /hook prerouting .*\n\s+ct mark 100 meta mark set ct mark/);
});
