import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findCachedStep, sameStepConfig } from './build-cache.js';
import type { BuildImage } from './build-ports.js';

const image = (id: string, created: string, cmd: string[], env: string[] = []): BuildImage => ({
  id,
  chainId: undefined,
  config: {
    architecture: 'amd64',
    os: 'linux',
    created,
    rootfs: { type: 'layers', diff_ids: [] },
    container_config: { Cmd: cmd, Env: env },
  },
});

test('a step config matches when its Cmd, Env… match; empty and absent are alike', () => {
  assert.ok(sameStepConfig({ Cmd: ['a'], Env: [], Labels: {} }, { Cmd: ['a'], Volumes: null }));
  assert.ok(sameStepConfig({ Labels: { b: '2', a: '1' } }, { Labels: { a: '1', b: '2' } }));
  assert.ok(!sameStepConfig({ Cmd: ['a'] }, { Cmd: ['b'] }));
  assert.ok(!sameStepConfig({ Cmd: ['a'], Env: ['X=1'] }, { Cmd: ['a'], Env: ['X=2'] }));
});

test('the newest matching child is the cache hit', () => {
  const children = [
    image('sha256:old', '2026-01-01T00:00:00Z', ['/bin/sh', '-c', 'echo']),
    image('sha256:new', '2026-02-01T00:00:00Z', ['/bin/sh', '-c', 'echo']),
    image('sha256:other', '2026-03-01T00:00:00Z', ['/bin/sh', '-c', 'true']),
  ];
  assert.equal(findCachedStep(children, { Cmd: ['/bin/sh', '-c', 'echo'] })?.id, 'sha256:new');
  assert.equal(findCachedStep(children, { Cmd: ['/bin/sh', '-c', 'false'] }), undefined);
});
