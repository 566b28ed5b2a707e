import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

test('a lazy schema is built once, at its first use, and validates as the schema itself', () => {
  let builds = 0;
  const Inner = lazySchema(() => {
    builds++;
    return z.object({ n: z.number().int() });
  });
  const Outer = lazySchema(() => z.object({ inner: Inner, list: z.array(Inner).optional() }));
  assert.equal(builds, 0);
  assert.deepEqual(Outer.parse({ inner: { n: 1 }, list: [{ n: 2 }] }), { inner: { n: 1 }, list: [{ n: 2 }] });
  assert.equal(builds, 1);
  const bad = Outer.safeParse({ inner: { n: 1.5 } });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues[0]?.path, ['inner', 'n']);
  assert.equal(Inner.safeParse({ n: 'x' }).success, false);
  assert.equal(builds, 1);
  assert.ok(Inner instanceof z.ZodObject);
  assert.deepEqual(Object.keys(Inner.extend({ m: z.string() }).shape), ['n', 'm']);
});
