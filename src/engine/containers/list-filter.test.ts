import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileListFilter, type ListFacts, parsePortFilter } from './list-filter.js';
import type { LiveContainer } from './live-container.js';

function fake(id: string, config: object, hostConfig: object): LiveContainer {
  return {
    id,
    record: { id, name: `/${id}`, created: '2026-01-01T00:00:00Z', config, hostConfig },
    state: { status: 'running' },
  } as unknown as LiveContainer;
}

const facts: Record<string, ListFacts> = {
  a: {
    mounts: [{ Name: 'data', Source: '/v/data', Destination: '/data' }],
    networks: { front: { NetworkID: 'n1' } },
  },
  b: { mounts: [], networks: { bridge: { NetworkID: 'n0' } } },
};
const a = fake('a', { ExposedPorts: { '8080/tcp': {} } }, { PortBindings: { '80/tcp': [{ HostPort: '' }] } });
const b = fake('b', {}, {});

function select(filters: Record<string, string[]>): string[] {
  const match = compileListFilter(
    filters,
    () => a,
    () => false,
    (c) => facts[c.id] as ListFacts,
  );
  return [a, b].filter(match).map((c) => c.id);
}

test('port filters expand ranges and default to tcp', () => {
  assert.deepEqual(parsePortFilter('80'), ['80/tcp']);
  assert.deepEqual(parsePortFilter('53/udp'), ['53/udp']);
  assert.deepEqual(parsePortFilter('8000-8002/tcp'), ['8000/tcp', '8001/tcp', '8002/tcp']);
  assert.throws(() => parsePortFilter('x'), /invalid port filter/);
});

test('volume, network, publish and expose filters look at the container', () => {
  assert.deepEqual(select({ volume: ['data'] }), ['a']);
  assert.deepEqual(select({ volume: ['/data'] }), ['a']);
  assert.deepEqual(select({ volume: ['other'] }), []);
  assert.deepEqual(select({ network: ['front'] }), ['a']);
  assert.deepEqual(select({ network: ['n0'] }), ['b']);
  assert.deepEqual(select({ publish: ['80'] }), ['a']);
  assert.deepEqual(select({ publish: ['80/udp'] }), []);
  assert.deepEqual(select({ expose: ['8000-8090/tcp'] }), ['a']);
  assert.deepEqual(select({ expose: ['80'] }), []);
});
