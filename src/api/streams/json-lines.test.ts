import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonLinesStream } from './json-lines.js';

async function* items() {
  yield { a: 1 };
  yield { b: 'x' };
}

test('one chunk per object, newline-separated', async () => {
  const reader = jsonLinesStream(items()).getReader();
  const chunks: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(new TextDecoder().decode(value));
  }
  assert.deepEqual(chunks, ['{"a":1}\n', '{"b":"x"}\n']);
});

test('an error after the start becomes a final message line', async () => {
  async function* failing() {
    yield 1;
    throw new Error('boom');
  }
  const text = await new Response(
    jsonLinesStream(failing(), { separator: '\r\n', onError: (e) => ({ message: (e as Error).message }) }),
  ).text();
  assert.equal(text, '1\r\n{"message":"boom"}\r\n');
});
