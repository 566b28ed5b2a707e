import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocateAddress6, allocateSubnet6, checkRequestedSubnet6, poolConfig6 } from './ipam6.js';
import { formatCidr6, formatIpv6, parseCidr6, parseIpv6, ulaPool } from './ipv6.js';

const cidr = (s: string) => parseCidr6(s) ?? assert.fail(s);

test('IPv6 addresses parse and print in canonical form', () => {
  const cases: Array<[string, string]> = [
    ['fd00:dead:beef::1', 'fd00:dead:beef::1'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8::0:1', '2001:db8::1'],
    ['fd00:1:2:3:4:5:6:7', 'fd00:1:2:3:4:5:6:7'],
    ['fd00:0:1::', 'fd00:0:1::'],
    ['::ffff:10.0.2.2', '::ffff:a00:202'],
  ];
  for (const [input, canonical] of cases) {
    const n = parseIpv6(input);
    assert.notEqual(n, undefined, input);
    assert.equal(formatIpv6(n as bigint), canonical, input);
  }
  for (const bad of ['10.0.0.1', 'fd00:::1', 'fd00::1::2', 'gggg::1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9'])
    assert.equal(parseIpv6(bad), undefined, bad);
  assert.equal(formatCidr6(cidr('fd00:dead:beef::7/64')), 'fd00:dead:beef::/64', 'host bits cleared');
  assert.equal(parseCidr6('172.18.0.0/16'), undefined);
  assert.equal(parseCidr6('fd00::/129'), undefined);
});

test('the default IPv6 pool is a stable unique local /48 split into /64s', () => {
  const a = ulaPool('engine-a');
  assert.deepEqual(a, ulaPool('engine-a'));
  assert.notDeepEqual(a, ulaPool('engine-b'));
  assert.match(a.base, /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/48$/);
  assert.equal(a.size, 64);
  const first = allocateSubnet6([a], []);
  assert.equal(first.prefix, 64);
  const second = allocateSubnet6([a], [first]);
  assert.equal(second.base - first.base, 1n << 64n);
});

test('IPv6 subnets skip used ones, and a full pool gives Docker error', () => {
  const pool = [{ base: 'fd00:1::/62', size: 64 }];
  assert.equal(formatCidr6(allocateSubnet6(pool, [])), 'fd00:1::/64');
  // A used /63 covers two /64s: the next free one is after it.
  assert.equal(formatCidr6(allocateSubnet6(pool, [cidr('fd00:1::/63')])), 'fd00:1:0:2::/64');
  assert.throws(
    () => allocateSubnet6(pool, [cidr('fd00:1::/62')]),
    /could not find an available, non-overlapping IPv6 address pool/,
  );
  // IPv4 pools are not IPv6 pools.
  assert.throws(() => allocateSubnet6([{ base: '172.17.0.0/16', size: 24 }], []), /IPv6 address pool/);
});

test('requested IPv6 subnets: overlap refused with Docker message, bad text refused', () => {
  assert.equal(formatCidr6(checkRequestedSubnet6('fd00:dead:beef::/64', [])), 'fd00:dead:beef::/64');
  assert.throws(
    () => checkRequestedSubnet6('fd00:dead:beef::/80', [cidr('fd00:dead:beef::/64')]),
    /Pool overlaps with other one on this address space/,
  );
  assert.throws(
    () => checkRequestedSubnet6('fd00:dead:beef::/48', [cidr('fd00:dead:beef:1::/64')]),
    /overlaps/,
  );
  assert.throws(() => checkRequestedSubnet6('fd00::zz/64', []), /invalid CIDR block notation/);
});

test('gateway and range are checked; addresses start after the gateway; --ip6 is checked', () => {
  const subnet = cidr('fd00:1:2::/64');
  const pool = poolConfig6(subnet);
  assert.equal(formatIpv6(pool.gateway), 'fd00:1:2::1');
  assert.equal(formatIpv6(allocateAddress6(pool, new Set())), 'fd00:1:2::2');
  assert.equal(formatIpv6(allocateAddress6(pool, new Set(['fd00:1:2::2', 'fd00:1:2::3']))), 'fd00:1:2::4');
  assert.equal(formatIpv6(allocateAddress6(pool, new Set(), 'fd00:1:2::42')), 'fd00:1:2::42');
  assert.throws(
    () => allocateAddress6(pool, new Set(['fd00:1:2::42']), 'FD00:1:2:0::42'),
    /Address already in use/,
  );
  assert.throws(() => allocateAddress6(pool, new Set(), 'fd00:1:2::1'), /Address already in use/);
  assert.throws(
    () => allocateAddress6(pool, new Set(), 'fd00:9::5'),
    /does not belong to any of this network's subnets/,
  );
  assert.throws(() => allocateAddress6(pool, new Set(), '10.0.0.5'), /invalid IPv6 address/);
  assert.throws(
    () => poolConfig6(subnet, null, 'fd00:8::1'),
    /Invalid gateway fd00:8::1 for subnet fd00:1:2::\/64/,
  );
  assert.throws(() => poolConfig6(subnet, 'fd00:9::/120'), /Invalid range fd00:9::\/120/);
  const ranged = poolConfig6(subnet, 'fd00:1:2::100/126', 'fd00:1:2::fe');
  const taken = new Set<string>();
  for (const want of ['fd00:1:2::100', 'fd00:1:2::101', 'fd00:1:2::102', 'fd00:1:2::103']) {
    const ip = formatIpv6(allocateAddress6(ranged, taken));
    assert.equal(ip, want);
    taken.add(ip);
  }
  assert.throws(() => allocateAddress6(ranged, taken), /no available IPv6 addresses/);
});
