import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { installFetchLite, LITE_GLOBALS } from './install.js';

test('replaces lazy getters, and leaves a value that is already there', () => {
  const target = {};
  Object.defineProperty(target, 'Headers', {
    get: () => assert.fail('the getter must not run'),
    configurable: true,
  });
  Object.defineProperty(target, 'Response', { value: 'loaded', writable: true, configurable: true });
  assert.deepEqual(installFetchLite(target), ['Headers', 'Request']);
  assert.equal((target as { Headers: unknown }).Headers, LITE_GLOBALS.Headers);
  assert.equal((target as { Response: unknown }).Response, 'loaded');
});

test('hono answers through @hono/node-server without Node loading its undici', () => {
  const installed = fileURLToPath(new URL('./installed.ts', import.meta.url));
  const script = `
    await import(${JSON.stringify(installed)});
    const { getRequestListener } = await import('@hono/node-server');
    const { Hono } = await import('hono');
    const http = await import('node:http');
    const app = new Hono();
    app.post('/echo', async (c) => { c.header('X-Seen', c.req.header('x-in') ?? ''); return c.json(await c.req.json(), 201); });
    app.put('/count', async (c) => { let n = 0; for await (const chunk of c.req.raw.body) n += chunk.length; return c.text(String(n)); });
    const server = http.createServer(getRequestListener(app.fetch));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const ask = (method, path, body) => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.address().port, method, path, headers: { 'x-in': 'v' } }, (res) => {
        let text = ''; res.on('data', (d) => { text += d; }); res.on('end', () => resolve([res.statusCode, res.headers['x-seen'] ?? null, text]));
      });
      req.on('error', reject); req.end(body);
    });
    const answers = [await ask('POST', '/echo', '{"a":1}'), await ask('PUT', '/count', 'x'.repeat(100000)), await ask('GET', '/none')];
    server.close();
    console.log(JSON.stringify({ answers, undici: process.moduleLoadList.filter((m) => m.includes('undici')) }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
  assert.deepEqual(result.answers, [
    [201, 'v', '{"a":1}'],
    [200, null, '100000'],
    [404, null, '404 Not Found'],
  ]);
  assert.deepEqual(result.undici, []);
});
