import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseFirewall } from './firewall.js';

/** A PATH holding only `names`, each in /usr/sbin. */
const only =
  (...names: string[]) =>
  async (name: string) =>
    names.includes(name) ? `/usr/sbin/${name}` : undefined;

test('nft where it is installed, iptables-restore where it is not', async () => {
  assert.deepEqual(await chooseFirewall(undefined, only('nft', 'iptables-restore')), {
    kind: 'nftables',
    ipv6: true,
  });
  assert.deepEqual(await chooseFirewall(undefined, only('iptables-restore', 'ip6tables-restore')), {
    kind: 'iptables',
    iptables: '/usr/sbin/iptables-restore',
    ip6tables: '/usr/sbin/ip6tables-restore',
    ipv6: true,
  });
});

test('iptables without ip6tables: no IPv6 networks', async () => {
  const fw = await chooseFirewall(undefined, only('iptables-restore'));
  assert.equal(fw.kind, 'iptables');
  assert.equal(fw.ipv6, false);
  assert.equal(fw.ip6tables, undefined);
});

test('daemon.json firewall-backend chooses; nothing installed stays with nft', async () => {
  const all = only('nft', 'iptables-restore', 'ip6tables-restore');
  assert.equal((await chooseFirewall('iptables', all)).kind, 'iptables');
  assert.equal((await chooseFirewall('nftables', only('iptables-restore'))).kind, 'nftables');
  assert.deepEqual(await chooseFirewall(undefined, only()), { kind: 'nftables', ipv6: true });
});
