import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allocateAddress,
  allocateSubnet,
  checkRequestedSubnet,
  DOCKER_DEFAULT_POOLS,
  poolConfig,
} from './ipam.js';
import { formatCidr, formatIpv4, parseCidr } from './ipv4.js';

const cidr = (s: string) => parseCidr(s) ?? assert.fail(s);

test('default pools hand out 172.17, then 172.18, skipping used ones', () => {
  assert.equal(formatCidr(allocateSubnet(DOCKER_DEFAULT_POOLS, [])), '172.17.0.0/16');
  assert.equal(
    formatCidr(allocateSubnet(DOCKER_DEFAULT_POOLS, [cidr('172.17.0.0/16'), cidr('172.18.5.0/24')])),
    '172.19.0.0/16',
  );
});

test('after 172.31 come /20s of 192.168', () => {
  const used = [cidr('172.16.0.0/12')];
  assert.equal(formatCidr(allocateSubnet(DOCKER_DEFAULT_POOLS, used)), '192.168.0.0/20');
});

test('a requested subnet that overlaps is refused with Docker message', () => {
  assert.throws(
    () => checkRequestedSubnet('172.17.3.0/24', [cidr('172.17.0.0/16')]),
    /Pool overlaps with other one/,
  );
  assert.equal(formatCidr(checkRequestedSubnet('10.9.0.0/16', [cidr('172.17.0.0/16')])), '10.9.0.0/16');
});

test('addresses skip network, gateway and taken ones; fixed ones are checked', () => {
  const pool = poolConfig(cidr('10.1.0.0/24'));
  assert.equal(formatIpv4(pool.gateway), '10.1.0.1');
  const ip = allocateAddress(pool, new Set());
  assert.equal(formatIpv4(ip), '10.1.0.2');
  assert.equal(formatIpv4(allocateAddress(pool, new Set([ip]))), '10.1.0.3');
  assert.throws(() => allocateAddress(pool, new Set([ip]), '10.1.0.2'), /Address already in use/);
  assert.throws(() => allocateAddress(pool, new Set(), '10.2.0.9'), /does not belong/);
  const ranged = poolConfig(cidr('10.1.0.0/16'), '10.1.5.0/24', '10.1.0.254');
  assert.equal(formatIpv4(allocateAddress(ranged, new Set())), '10.1.5.0');
  assert.throws(() => poolConfig(cidr('10.1.0.0/24'), '10.2.0.0/24'), /Invalid range/);
});
