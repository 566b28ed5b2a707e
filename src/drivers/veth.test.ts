import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipUnless } from '../../test/helpers/prerequisite.js';
import { bridgeIn, dropNetns, inNetns, newNetns } from '../../test/helpers/scratch-netns.js';
import { nativeVethAttach, type VethPlug } from './veth.js';

/**
 * The rtnetlink addon against the real kernel: two network namespaces of our own (one standing
 * for the holder's, with a bridge; one for a container), held by `unshare --net sleep`. Needs
 * root (setns into them) and the built addon (npm run build); outside CI skipped without them.
 */
const ADDON = existsSync(fileURLToPath(new URL('../../dist/native/veth.node', import.meta.url)));
const ROOT = process.getuid?.() === 0;
const skip = skipUnless(ADDON, 'dist/native/veth.node not built') || skipUnless(ROOT, 'needs root (setns)');

const ipIn = (pid: number, args: string[]) => inNetns(pid, 'ip', args);

/** Reads (or, with a value, sets) a sysctl in the network namespace of `pid`. */
function sysctlIn(pid: number, key: string, value?: string): string {
  return inNetns(pid, 'sysctl', value === undefined ? ['-n', key] : ['-qw', `${key}=${value}`]).trim();
}

describe('native veth attach (rtnetlink)', { skip }, () => {
  let holder = 0;
  before(async () => {
    holder = await newNetns();
    bridgeIn(holder, 'br6', '10.66.0.1/24', 'fd00:66::1/64');
  });
  after(dropNetns);

  const container = newNetns;

  const plug = (pid: number, over: Partial<VethPlug>): VethPlug => ({
    holderPid: holder,
    pid,
    hostVeth: `vt${pid}`.slice(0, 15),
    bridge: 'br6',
    ifname: 'eth0',
    mac: '02:42:0a:42:00:02',
    addressCidr: '10.66.0.2/24',
    gateway: '10.66.0.1',
    addressCidr6: 'fd00:66::2/64',
    gateway6: 'fd00:66::1',
    mtu: 1500,
    ...over,
  });

  test('IPv4 and IPv6 addresses (nodad) and both default routes in the container', async () => {
    const pid = await container();
    assert.equal(await nativeVethAttach(plug(pid, {})), true);
    const addr6 = ipIn(pid, ['-6', 'addr', 'show', 'dev', 'eth0']);
    assert.match(addr6, /inet6 fd00:66::2\/64 scope global nodad/);
    const line = addr6.split('\n').find((l) => l.includes('fd00:66::2')) ?? '';
    assert.doesNotMatch(line, /tentative/, 'usable at once (no duplicate address detection)');
    assert.match(ipIn(pid, ['-4', 'addr', 'show', 'dev', 'eth0']), /inet 10\.66\.0\.2\/24/);
    assert.match(ipIn(pid, ['-6', 'route']), /default via fd00:66::1 dev eth0/);
    assert.match(ipIn(pid, ['-4', 'route']), /default via 10\.66\.0\.1 dev eth0/);
    assert.match(ipIn(pid, ['link', 'show', 'lo']), /UP/);
    assert.match(ipIn(holder, ['link', 'show', `vt${pid}`]), /master br6 .*state UP/);
  });

  test('no IPv6 (an IPv4-only network): IPv6 off on the interface, no fe80::, no route', async () => {
    const pid = await container();
    await nativeVethAttach(plug(pid, { addressCidr6: undefined, gateway6: undefined }));
    assert.equal(ipIn(pid, ['-6', 'addr', 'show', 'dev', 'eth0']), '', 'not even a link-local address');
    assert.equal(sysctlIn(pid, 'net.ipv6.conf.eth0.disable_ipv6'), '1');
    assert.doesNotMatch(ipIn(pid, ['-6', 'route']), /default/);
    assert.match(ipIn(pid, ['-4', 'route']), /default via 10\.66\.0\.1/);
    assert.match(ipIn(pid, ['-6', 'addr', 'show', 'dev', 'lo']), /::1\/128/, 'the loopback keeps ::1');
  });

  test('an IPv6 network switches IPv6 on for its interface, also where the default is off', async () => {
    const pid = await container();
    sysctlIn(pid, 'net.ipv6.conf.default.disable_ipv6', '1');
    await nativeVethAttach(plug(pid, { addressCidr6: undefined, gateway6: undefined }));
    await nativeVethAttach(plug(pid, { hostVeth: `vu${pid}`.slice(0, 15), ifname: 'eth1', mac: '' }));
    assert.equal(sysctlIn(pid, 'net.ipv6.conf.eth0.disable_ipv6'), '1');
    assert.equal(sysctlIn(pid, 'net.ipv6.conf.eth1.disable_ipv6'), '0');
    assert.match(ipIn(pid, ['-6', 'addr', 'show', 'dev', 'eth1']), /inet6 fd00:66::2\/64/);
    assert.match(ipIn(pid, ['-6', 'route']), /default via fd00:66::1 dev eth1/);
  });

  const failures: [string, Partial<VethPlug>, (pid: number) => void, RegExp][] = [
    [
      'the IPv6 address (a multicast address, refused by the kernel)',
      { addressCidr6: 'ff02::66/64' },
      () => undefined,
      /^veth attach vt\d+: IPv6 address ff02::66\/64 on eth0: Cannot assign requested address$/,
    ],
    [
      'the IPv6 default route (gateway off-link)',
      { gateway6: 'fd00:99::1' },
      () => undefined,
      /^veth attach vt\d+: IPv6 default route via fd00:99::1 dev eth0: \S.*$/,
    ],
    [
      'the IPv4 default route (gateway off-link)',
      { gateway: '10.99.0.1' },
      () => undefined,
      /^veth attach vt\d+: default route via 10\.99\.0\.1 dev eth0: \S.*$/,
    ],
  ];
  for (const [what, over, prepare, message] of failures) {
    test(`a failing step (${what}) rejects with its name and leaves no pair behind`, async () => {
      const pid = await container();
      prepare(pid);
      const v = plug(pid, over);
      const err = await nativeVethAttach(v).then(
        () => assert.fail('attach succeeded'),
        (e: unknown) => e as Error & { code?: string },
      );
      assert.match(err.message, message);
      assert.match(err.code ?? '', /^E[A-Z]+$/);
      assert.doesNotMatch(ipIn(holder, ['-o', 'link']), new RegExp(`${v.hostVeth}[@:]`));
      assert.doesNotMatch(ipIn(pid, ['-o', 'link']), /eth0/);
      // The name is free again: the same plug without the fault works.
      await nativeVethAttach(plug(pid, {}));
      assert.match(ipIn(pid, ['-6', 'addr', 'show', 'dev', 'eth0']), /fd00:66::2\/64/);
    });
  }

  test('bad arguments throw a TypeError at once', async () => {
    const pid = await container();
    await assert.rejects(nativeVethAttach(plug(pid, { addressCidr6: 'not-an-address/64' })), TypeError);
    await assert.rejects(nativeVethAttach(plug(pid, { addressCidr6: 'fd00:66::9/129' })), TypeError);
    assert.doesNotMatch(ipIn(holder, ['-o', 'link']), new RegExp(`vt${pid}`));
  });
});
