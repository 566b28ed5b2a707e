import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cgroupWarnings } from './host-facts.js';
import { maskProxy, registryConfig } from './registry-config.js';

test('registry config: docker.io with mirrors, insecure hosts and CIDRs', () => {
  const c = registryConfig(['https://m.example'], ['localhost:5000', '10.0.0.0/8']);
  assert.deepEqual(c.InsecureRegistryCIDRs, ['::1/128', '127.0.0.0/8', '10.0.0.0/8']);
  assert.deepEqual(c.IndexConfigs['docker.io'], {
    Name: 'docker.io',
    Mirrors: ['https://m.example'],
    Secure: true,
    Official: true,
  });
  assert.deepEqual(c.IndexConfigs['localhost:5000'], {
    Name: 'localhost:5000',
    Mirrors: [],
    Secure: false,
    Official: false,
  });
  assert.deepEqual(c.Mirrors, ['https://m.example']);
});

test('proxy credentials are masked', () => {
  assert.equal(maskProxy('http://user:secret@proxy:3128'), 'http://xxxxx:xxxxx@proxy:3128/');
  assert.equal(maskProxy(undefined), '');
});

test('cgroup warnings', () => {
  assert.match(
    cgroupWarnings({ version: '1', driver: 'none', controllers: [] })[0] ?? '',
    /rootless-mode without cgroups/,
  );
  const v2 = cgroupWarnings({ version: '2', driver: 'systemd', controllers: ['cpu', 'pids'] });
  assert.ok(v2.includes('WARNING: No memory limit support'));
  assert.ok(!v2.includes('WARNING: No cpu shares support'));
  assert.equal(
    cgroupWarnings({
      version: '2',
      driver: 'systemd',
      controllers: ['cpu', 'cpuset', 'io', 'memory', 'pids'],
    }).length,
    0,
  );
});
