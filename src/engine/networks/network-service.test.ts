import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NotImplemented } from '../../errdefs/index.js';
import { EventBus } from '../events/bus.js';
import type { DnsAgentProcess } from './dns-agent-process.js';
import type { Firewall } from './firewall.js';
import type { HolderNet } from './holder-net.js';
import { NetworkCore } from './network-service.js';
import { NetworkStore } from './network-store.js';

/** A NetworkCore over a temporary store, with fakes for the kernel side and the DNS agent. */
async function core(
  fw: Firewall,
  ipv6Bridge = false,
): Promise<{ c: NetworkCore; done: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'netcore-'));
  const holder = {
    holderPid: 0,
    firewall: async () => fw,
    init: async () => undefined,
    ensureBridges: async () => undefined,
    applyRules: async () => undefined,
    removeBridge: async () => undefined,
  } as unknown as HolderNet;
  const dnsAgent = {
    start: async () => undefined,
    update: async () => undefined,
  } as unknown as DnsAgentProcess;
  const c = new NetworkCore({
    store: new NetworkStore(dir),
    holder,
    dnsAgent,
    bus: new EventBus(),
    mtu: 1500,
    pools: [{ base: '172.17.0.0/12', size: 16 }],
    upstreamDns: '10.0.2.3',
    reserved: [],
    seed: 'test',
    defaultBridgeIpv6: { enable: ipv6Bridge, fixedCidr: 'fd00:9::/64' },
  });
  await c.init();
  return { c, done: () => rm(dir, { recursive: true, force: true }) };
}

test('without an IPv6 firewall (iptables, no ip6tables) --ipv6 networks are refused', async () => {
  const { c, done } = await core(
    { kind: 'iptables', iptables: '/usr/sbin/iptables-restore', ipv6: false },
    true,
  );
  try {
    await assert.rejects(
      c.create({ Name: 'six', EnableIPv6: true }),
      (err: Error) => err instanceof NotImplemented && /need ip6tables-restore/.test(err.message),
    );
    await c.create({ Name: 'four' });
    const bridge = [...c.byId.values()].find((n) => n.name === 'bridge');
    assert.ok(!bridge?.enableIpv6, 'daemon.json ipv6 leaves the default bridge IPv4-only');
  } finally {
    await done();
  }
});

test('the DNS server of an IPv6 network listens on its IPv6 gateway too', async () => {
  const { c, done } = await core({ kind: 'nftables', ipv6: true });
  try {
    await c.create({ Name: 'six', EnableIPv6: true, IPAM: { Config: [{ Subnet: 'fd00:5::/64' }] } });
    await c.create({ Name: 'four' });
    const servers = c.dnsConfig().servers;
    assert.equal(servers.length, 2, 'the default bridge has no embedded DNS');
    const six = servers.find((s) => s.address6);
    assert.equal(six?.address6, 'fd00:5::1');
    assert.match(six?.address ?? '', /^\d+\.\d+\.\d+\.1$/);
    assert.equal(servers.filter((s) => !s.address6).length, 1);
  } finally {
    await done();
  }
});
