import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lookupName, parseDnsAgentConfig } from './dns-config.js';

const server = {
  address: '172.18.0.1',
  forward: true,
  records: { web: ['172.18.0.2'] },
  perSource: { '172.18.0.3': { db: ['172.18.0.4'] } },
};

test('the agent reads the configuration the engine writes', () => {
  const config = parseDnsAgentConfig(JSON.parse(JSON.stringify({ upstream: '10.0.2.3', servers: [server] })));
  assert.equal(config.upstream, '10.0.2.3');
  assert.deepEqual(lookupName(config.servers[0]!, '172.18.0.9', 'WEB.'), ['172.18.0.2']);
  assert.deepEqual(lookupName(config.servers[0]!, '172.18.0.3', 'db'), ['172.18.0.4']);
  assert.equal(lookupName(config.servers[0]!, '172.18.0.9', 'db'), undefined);
});

test('a server of an IPv6 network names its IPv6 gateway too', () => {
  const six = { ...server, address6: 'fd00:1::1' };
  const config = parseDnsAgentConfig({ upstream: '10.0.2.3', servers: [six] });
  assert.equal(config.servers[0]?.address6, 'fd00:1::1');
  assert.throws(() => parseDnsAgentConfig({ upstream: '10.0.2.3', servers: [{ ...server, address6: 1 }] }));
});

test('a configuration of another shape is refused', () => {
  for (const bad of [
    null,
    [],
    { servers: [] },
    { upstream: '10.0.2.3', servers: {} },
    { upstream: '10.0.2.3', servers: [{ ...server, forward: 'yes' }] },
    { upstream: '10.0.2.3', servers: [{ ...server, records: { web: '172.18.0.2' } }] },
    { upstream: '10.0.2.3', servers: [{ ...server, perSource: { a: { b: [1] } } }] },
  ]) {
    assert.throws(() => parseDnsAgentConfig(bad), Error, JSON.stringify(bad));
  }
});
