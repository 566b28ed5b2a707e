import assert from 'node:assert/strict';
import { ReadableStream } from 'node:stream/web';
import { test } from 'node:test';
import { LiteRequest } from './request.js';

test('URL, method and headers as the standard has them', () => {
  const r = new LiteRequest('http://localhost/v1.51/_ping?x=1', { method: 'post', headers: { 'X-A': '1' } });
  assert.equal(r.url, 'http://localhost/v1.51/_ping?x=1');
  assert.equal(r.method, 'POST');
  assert.equal(r.headers.get('x-a'), '1');
  assert.equal(r.signal.aborted, false);
  assert.equal(new LiteRequest('http://h/', { method: 'patch' }).method, 'patch');
  assert.throws(() => new LiteRequest('/relative'), TypeError);
  assert.throws(() => new LiteRequest('http://h/', { method: 'TRACE' }), TypeError);
  assert.throws(() => new LiteRequest('http://h/', { method: 'GET', body: 'x' }), TypeError);
});

test('a text body is read once and sets its content type', async () => {
  const r = new LiteRequest('http://h/', { method: 'POST', body: '{"a":1}' });
  assert.equal(r.headers.get('content-type'), 'text/plain;charset=UTF-8');
  assert.equal(r.bodyUsed, false);
  assert.deepEqual(await r.json(), { a: 1 });
  assert.equal(r.bodyUsed, true);
  await assert.rejects(r.text(), TypeError);
});

test('a stream body needs duplex "half", is read through body, and follows the given signal', async () => {
  const stream = () =>
    new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(Buffer.from('ab'));
        c.enqueue(Buffer.from('c'));
        c.close();
      },
    });
  assert.throws(() => new LiteRequest('http://h/', { method: 'PUT', body: stream() }), TypeError);
  const controller = new AbortController();
  const r = new LiteRequest('http://h/', {
    method: 'PUT',
    body: stream(),
    duplex: 'half',
    signal: controller.signal,
  });
  const reader = r.body?.getReader();
  assert.ok(reader);
  const parts: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(Buffer.from(value).toString());
  }
  assert.equal(parts.join(''), 'abc');
  assert.equal(r.bodyUsed, true);
  controller.abort();
  assert.equal(r.signal.aborted, true);
});

test('clone() gives both the same bytes; a request made from another takes its body', async () => {
  const r = new LiteRequest('http://h/', { method: 'POST', body: new Uint8Array([1, 2, 3]) });
  const c = r.clone();
  assert.deepEqual([...new Uint8Array(await r.arrayBuffer())], [1, 2, 3]);
  assert.deepEqual([...(await c.bytes())], [1, 2, 3]);
  const from = new LiteRequest('http://h/a', { method: 'POST', body: 'x', headers: { 'x-k': 'v' } });
  const next = new LiteRequest(from);
  assert.equal(next.url, 'http://h/a');
  assert.equal(next.headers.get('x-k'), 'v');
  assert.equal(await next.text(), 'x');
});
