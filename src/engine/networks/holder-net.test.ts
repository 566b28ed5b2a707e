import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { skipUnless } from '../../../test/helpers/prerequisite.js';
import { bridgeIn, dropNetns, inNetns, newNetns } from '../../../test/helpers/scratch-netns.js';
import { HolderNet, type VethSpec } from './holder-net.js';

/**
 * The `ip` fallback of HolderNet.attach (hosts where the veth addon was not built), against the
 * real kernel: namespaces of our own held by `unshare --net sleep`. Needs root (nsenter).
 */
const ROOT = process.getuid?.() === 0;
describe('HolderNet.attachWithIp (no veth addon)', { skip: skipUnless(ROOT, 'needs root (nsenter)') }, () => {
  let holder = 0;
  before(async () => {
    holder = await newNetns();
    bridgeIn(holder, 'br7', '10.67.0.1/24', 'fd00:67::1/64');
  });
  after(dropNetns);

  const spec = (pid: number, over: Partial<VethSpec>): VethSpec => ({
    hostVeth: `vh${pid}`.slice(0, 15),
    bridge: 'br7',
    pid,
    ifname: 'eth0',
    mac: '02:42:0a:43:00:02',
    addressCidr: '10.67.0.2/24',
    gateway: '10.67.0.1',
    mtu: 1500,
    ...over,
  });

  test('IPv6 off on an IPv4-only interface, on for an IPv6 one (also where the default is off)', async () => {
    const pid = await newNetns();
    inNetns(pid, 'sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
    const net = new HolderNet(holder);
    await net.attachWithIp(spec(pid, {}));
    await net.attachWithIp(
      spec(pid, {
        hostVeth: `vi${pid}`.slice(0, 15),
        ifname: 'eth1',
        mac: '02:42:0a:43:00:03',
        addressCidr: '10.67.0.3/24',
        gateway: undefined,
        addressCidr6: 'fd00:67::3/64',
        gateway6: 'fd00:67::1',
      }),
    );
    assert.equal(inNetns(pid, 'sysctl', ['-n', 'net.ipv6.conf.eth0.disable_ipv6']).trim(), '1');
    assert.equal(inNetns(pid, 'ip', ['-6', 'addr', 'show', 'dev', 'eth0']), '', 'no fe80:: either');
    assert.equal(inNetns(pid, 'sysctl', ['-n', 'net.ipv6.conf.eth1.disable_ipv6']).trim(), '0');
    assert.match(inNetns(pid, 'ip', ['-6', 'addr', 'show', 'dev', 'eth1']), /inet6 fd00:67::3\/64/);
    assert.match(inNetns(pid, 'ip', ['-6', 'route']), /default via fd00:67::1 dev eth1/);
  });
});
