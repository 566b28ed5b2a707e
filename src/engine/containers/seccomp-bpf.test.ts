import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import {
  annotateSeccomp,
  BPF_ANNOTATION,
  forgetSeccompFilters,
  learnSeccomp,
  plausibleFilter,
  seccompKey,
} from './seccomp-bpf.js';

afterEach(() => forgetSeccompFilters());

const spec = (seccomp?: unknown) =>
  ({ linux: { ...(seccomp ? { seccomp } : {}) } }) as Record<string, unknown>;

test('the key follows the seccomp section and is absent without one', () => {
  const a = seccompKey(spec({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [] }));
  const b = seccompKey(spec({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] }));
  assert.ok(a && b);
  assert.notEqual(a, b);
  assert.equal(a, seccompKey(spec({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [] })));
  assert.equal(seccompKey(spec()), undefined);
});

test('a filter learnt from the state folder annotates later specs with the same section only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-'));
  try {
    const key = seccompKey(spec({ defaultAction: 'SCMP_ACT_ERRNO' })) as string;
    const other = seccompKey(spec({ defaultAction: 'SCMP_ACT_LOG' })) as string;
    const s1 = spec({ defaultAction: 'SCMP_ACT_ERRNO' });
    assert.equal(annotateSeccomp(s1, key), false);
    assert.equal(s1.annotations, undefined);
    const bytes = Buffer.alloc(64, 7);
    writeFileSync(join(dir, 'seccomp.bpf'), bytes);
    await learnSeccomp(key, dir);
    const s2 = { ...spec({ defaultAction: 'SCMP_ACT_ERRNO' }), annotations: { keep: 'me' } };
    assert.equal(annotateSeccomp(s2, key), true);
    assert.deepEqual(s2.annotations, { keep: 'me', [BPF_ANNOTATION]: bytes.toString('base64') });
    assert.equal(annotateSeccomp(spec({ defaultAction: 'SCMP_ACT_LOG' }), other), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing or malformed filter is not kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-'));
  try {
    const key = 'k';
    await learnSeccomp(key, dir);
    assert.equal(annotateSeccomp(spec(), key), false);
    writeFileSync(join(dir, 'seccomp.bpf'), Buffer.alloc(13));
    await learnSeccomp(key, dir);
    assert.equal(annotateSeccomp(spec(), key), false);
    assert.equal(plausibleFilter(Buffer.alloc(0)), false);
    assert.equal(plausibleFilter(Buffer.alloc(8 * 4097)), false);
    assert.equal(plausibleFilter(Buffer.alloc(8 * 4096)), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
