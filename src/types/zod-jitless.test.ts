import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import './zod-jitless.js';

test('zod runs without its compiled fast path once the module is loaded', () => {
  assert.equal(z.config().jitless, true);
  // Schemas built after it parse as before.
  const s = z.object({ a: z.string(), b: z.number().optional() });
  assert.deepEqual(s.parse({ a: 'x', extra: 1 }), { a: 'x' });
  assert.equal(s.safeParse({ a: 1 }).success, false);
});
