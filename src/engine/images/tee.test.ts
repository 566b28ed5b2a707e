import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { teeStream } from './tee.js';

async function collect(r: Readable, slow = false): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) {
    out.push(c as Buffer);
    if (slow) await delay(1);
  }
  return Buffer.concat(out);
}

function source(chunks: number, size: number): { stream: Readable; all: Buffer } {
  const list = Array.from({ length: chunks }, (_, i) => Buffer.alloc(size, i % 251));
  return { stream: Readable.from(list), all: Buffer.concat(list) };
}

test('both branches see every byte, the slow one pacing the source', async () => {
  const { stream, all } = source(64, 100_000);
  const [a, b] = teeStream(stream);
  const [ga, gb] = await Promise.all([collect(a), collect(b, true)]);
  assert.ok(ga.equals(all));
  assert.ok(gb.equals(all));
});

test('an error of the source reaches both branches', async () => {
  async function* failing() {
    yield Buffer.from('abc');
    throw new Error('broken source');
  }
  const [a, b] = teeStream(Readable.from(failing()));
  const results = await Promise.allSettled([collect(a), collect(b)]);
  for (const r of results) assert.match(String((r as PromiseRejectedResult).reason), /broken source/);
});

test('a branch destroyed by its reader is skipped; both gone destroys the source', async () => {
  const { stream, all } = source(64, 100_000);
  const [a, b] = teeStream(stream);
  a.destroy();
  assert.ok((await collect(b, true)).equals(all));

  const second = source(64, 100_000);
  const [c, d] = teeStream(second.stream);
  c.destroy();
  d.destroy();
  await delay(20);
  assert.ok(second.stream.destroyed);
});
