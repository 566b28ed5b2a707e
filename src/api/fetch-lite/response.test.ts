import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiteResponse } from './response.js';

test('status, headers and a body read as text, JSON or bytes', async () => {
  const r = new LiteResponse('{"message":"no such container"}', {
    status: 404,
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(r.status, 404);
  assert.equal(r.ok, false);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.deepEqual(await r.json(), { message: 'no such container' });
  assert.equal(r.bodyUsed, true);
  assert.equal(await new LiteResponse('abc').text(), 'abc');
  assert.equal(new LiteResponse('abc').headers.get('content-type'), 'text/plain;charset=UTF-8');
  assert.equal(await new LiteResponse().text(), '');
  assert.equal(new LiteResponse().body, null);
});

test('the body as a stream, and clone()', async () => {
  const r = new LiteResponse(Buffer.from('hello'));
  const c = r.clone();
  const reader = r.body?.getReader();
  assert.ok(reader);
  const first = await reader.read();
  assert.equal(Buffer.from(first.value ?? []).toString(), 'hello');
  assert.equal(await c.text(), 'hello');
  await assert.rejects(r.text(), TypeError);
});

test('statuses out of range, and bodies on null-body statuses, are refused', () => {
  assert.throws(() => new LiteResponse(null, { status: 99 }), RangeError);
  assert.throws(() => new LiteResponse('x', { status: 204 }), TypeError);
  assert.equal(new LiteResponse(null, { status: 204 }).status, 204);
});

test('Response.json, redirect and error', async () => {
  const j = LiteResponse.json({ a: 1 }, { status: 201 });
  assert.equal(j.status, 201);
  assert.equal(j.headers.get('content-type'), 'application/json');
  assert.deepEqual(await j.json(), { a: 1 });
  assert.equal(LiteResponse.redirect('http://h/x', 301).headers.get('location'), 'http://h/x');
  assert.equal(LiteResponse.error().type, 'error');
  assert.equal(LiteResponse.error().status, 0);
});
