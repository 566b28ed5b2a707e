import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { skipUnless } from '../../../../test/helpers/prerequisite.js';
import type { AgentReply } from '../port-messages.js';
import { PortForwarder } from './port-forwarder.js';

/**
 * The relay on the host's loopback alone: a listening socket handed to the forwarder as the
 * engine does, relayed to a server on 127.0.0.1 (the native relay when dist/ has the addon,
 * else Node's). Loopback clients are dialled from a plain socket, so no namespace is needed.
 * Every socket and server is closed in `after`, and each test has its own timeout, so a relay
 * that misbehaves fails the file instead of holding it open.
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

const sockets = new Set<Socket>();
const servers = new Set<Server>();

function track<T extends Socket>(s: T): T {
  sockets.add(s);
  s.once('close', () => sockets.delete(s));
  return s;
}

function server(handler?: (s: Socket) => void): Server {
  const srv = createServer({ allowHalfOpen: true }, (s) => handler?.(track(s)));
  servers.add(srv);
  return srv;
}

/** What a connection gets until its end (or the error code it fails with). */
function collect(c: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    c.on('data', (b: Buffer) => chunks.push(b));
    c.once('end', () => resolve(Buffer.concat(chunks).toString()));
    c.once('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
  });
}

/** Sends `data`, half-closes, and collects what comes back until the relay's end. */
function exchange(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const c = track(connect(port, '127.0.0.1', () => c.end(data)));
    c.on('data', (b: Buffer) => chunks.push(b));
    c.on('end', () => resolve(Buffer.concat(chunks)));
    c.on('error', reject);
  });
}

describe('port forwarder (host loopback)', { timeout: 120_000 }, () => {
  const replies: AgentReply[] = [];
  const logs: string[] = [];
  const forwarder = new PortForwarder(
    (m) => replies.push(m),
    (msg) => logs.push(msg),
  );
  // Echoes what it got once the client has finished sending (needs the half-close to pass),
  // after `greeting` if one is set.
  const echo = (greeting: string) => (s: Socket) => {
    if (greeting) s.write(greeting);
    const got: Buffer[] = [];
    s.on('data', (b: Buffer) => got.push(b));
    s.on('end', () => s.end(Buffer.concat(got)));
    s.on('error', () => undefined);
  };
  const upstream = server(echo(''));
  const greeter = server(echo('hello '));
  let upstreamPort = 0;
  let greeterPort = 0;
  let port = 0;
  let key = 0;

  /** Publishes a new host port relayed to `targetPort`; returns the port and its key. */
  async function publish(targetPort: number): Promise<{ p: number; k: string }> {
    const host = createServer();
    const p = await listening(host);
    const k = `round-${++key}`;
    forwarder.handle({ op: 'publish', key: k, proto: 'tcp', target: '127.0.0.1', targetPort }, host);
    assert.deepEqual(replies.at(-1), { op: 'published', key: k });
    return { p, k };
  }

  function unpublish(k: string): void {
    forwarder.handle({ op: 'unpublish', key: k }, undefined);
    assert.deepEqual(replies.at(-1), { op: 'unpublished', key: k });
  }

  /** Binds and frees 127.0.0.1:p, proving nothing listens there any more. */
  async function portIsFree(p: number): Promise<void> {
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(p, '127.0.0.1', () => resolve());
    });
    await new Promise((r) => again.close(r));
  }

  before(async () => {
    upstreamPort = await listening(upstream);
    greeterPort = await listening(greeter);
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
    for (const s of sockets) s.destroy();
    for (const srv of servers) srv.close();
    // Should anything still hold the event loop, fail the file rather than hang it.
    setTimeout(() => {
      console.error('port-forwarder.test: handles still open after the tests');
      process.exit(1);
    }, 10_000).unref();
  });

  test('uses the native relay when the addon is built', {
    skip: skipUnless(existsSync(ADDON), 'no addon in dist/ (npm run build with a C compiler)'),
  }, () => {
    assert.ok(!logs.some((l) => l.includes('native')), logs.join('\n'));
  });

  test('many connections at once, each both ways and whole, through a half-close', {
    timeout: 60_000,
  }, async () => {
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

  test('a refused dial closes the client', { timeout: 20_000 }, async () => {
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
      const c = track(connect(p, '127.0.0.1'));
      c.on('data', () => undefined);
      c.once('end', () => resolve('end'));
      c.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    assert.ok(['end', 'ECONNRESET'].includes(ended), ended);
  });

  test('unpublish frees the host port at once; open connections go on', { timeout: 20_000 }, async () => {
    const { p, k } = await publish(greeterPort);
    const open = track(connect(p, '127.0.0.1'));
    const whole = collect(open);
    // The greeting comes through the relay: the connection is relayed end to end.
    await new Promise((r) => open.once('data', r));
    open.write('before ');
    unpublish(k);
    await portIsFree(p);
    open.end('after');
    assert.equal(await whole, 'hello before after');
  });

  // A connection the relay has not accepted yet sits in the listener's backlog, where closing
  // the listener would reset it although its client saw it open: unpublish takes those first.
  // Under load about half of these connections were reset before that (relay thread not yet
  // scheduled when the unpublish came).
  test('unpublish right after connect: 100 rounds, every connection the client saw open goes on', {
    skip: !existsSync(ADDON) && 'the fallback relay in Node accepts on the event loop',
    timeout: 60_000,
  }, async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 100; i++) {
      const { p, k } = await publish(upstreamPort);
      const c = track(connect(p, '127.0.0.1'));
      const whole = collect(c);
      await new Promise((r) => c.once('connect', r));
      unpublish(k);
      c.end(`round ${i}`);
      outcomes.push(await whole);
    }
    const wrong = outcomes.map((o, i) => [i, o]).filter(([i, o]) => o !== `round ${i}`);
    assert.deepEqual(wrong, []);
  });
});
