import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, test } from 'node:test';
import { Agent, EnvHttpProxyAgent, request } from './undici-parts.js';

let origin: Server;
let proxy: Server;
const tunnels: string[] = [];

function port(s: Server): number {
  return (s.address() as AddressInfo).port;
}

before(async () => {
  origin = createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`${req.method} ${req.url}`);
  });
  // A forward proxy that only tunnels (CONNECT), as undici's proxy agent asks.
  proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client, head) => {
    tunnels.push(req.url ?? '');
    const [host, p] = (req.url ?? '').split(':');
    const upstream = connect(Number(p), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await Promise.all([
    new Promise<void>((r) => origin.listen(0, '127.0.0.1', r)),
    new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r)),
  ]);
});

after(() => {
  origin.close();
  proxy.close();
});

test('request goes through an Agent to the URL given, path and query included', async () => {
  const agent = new Agent();
  try {
    const res = await request(`http://127.0.0.1:${port(origin)}/v2/x?n=1`, {
      method: 'GET',
      dispatcher: agent,
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(await res.body.text(), 'GET /v2/x?n=1');
  } finally {
    await agent.close();
  }
});

test('EnvHttpProxyAgent tunnels through the proxy it is given', async () => {
  const agent = new EnvHttpProxyAgent({ httpProxy: `http://127.0.0.1:${port(proxy)}`, noProxy: '' });
  try {
    const res = await request(`http://127.0.0.1:${port(origin)}/v2/`, { method: 'HEAD', dispatcher: agent });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.deepEqual(tunnels, [`127.0.0.1:${port(origin)}`]);
  } finally {
    await agent.close();
  }
});
