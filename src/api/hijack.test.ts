import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NotFound } from '../errdefs/index.js';
import { createApp } from './create-app.js';
import { HijackRouter, MULTIPLEXED_STREAM, RAW_STREAM } from './hijack.js';
import { type ApiServer, createApiServer } from './server.js';
import { FrameDecoder, MultiplexedWriter } from './streams/multiplexed.js';
import { fakeBackends } from './testing/fake-backends.js';

let dir: string;
let socketPath: string;
let server: ApiServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hijack-'));
  socketPath = join(dir, 'api.sock');
  const hijack = new HijackRouter()
    .add('POST', '/containers/:id/attach', async (ctx) => {
      if (ctx.params.id === 'missing') throw new NotFound('No such container: missing');
      const stream = ctx.start(MULTIPLEXED_STREAM);
      const w = new MultiplexedWriter(stream);
      w.stdout(`id=${ctx.params.id} v=${ctx.version} stream=${ctx.query.bool('stream')}`);
      // Echo one chunk of stdin on stderr.
      const chunk = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
      w.stderr(chunk);
    })
    .add('POST', '/exec/:id/start', async (ctx) => {
      const stream = ctx.start(RAW_STREAM);
      stream.write(`body=${ctx.body.toString()}`);
    });
  server = createApiServer({ app: createApp(fakeBackends()), hijack });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** Sends a raw request and collects everything until the server closes. */
function exchange(request: string, afterHeaders?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const chunks: Buffer[] = [];
    let sent = false;
    sock.on('data', (c) => {
      chunks.push(c);
      if (afterHeaders && !sent && Buffer.concat(chunks).includes('\r\n\r\n')) {
        sent = true;
        sock.write(afterHeaders);
      }
    });
    sock.on('end', () => resolve(Buffer.concat(chunks)));
    sock.on('error', reject);
    sock.write(request);
  });
}

function split(answer: Buffer): { head: string; body: Buffer } {
  const i = answer.indexOf('\r\n\r\n');
  return { head: answer.subarray(0, i).toString(), body: answer.subarray(i + 4) };
}

test('upgrade: 101 UPGRADED, multiplexed frames both ways', async () => {
  const answer = await exchange(
    'POST /v1.45/containers/abc/attach?stream=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n',
    'ping',
  );
  const { head, body } = split(answer);
  assert.match(head, /^HTTP\/1\.1 101 UPGRADED\r\n/);
  assert.match(head, /Content-Type: application\/vnd\.docker\.multiplexed-stream/);
  assert.match(head, /Connection: Upgrade/);
  assert.match(head, /Upgrade: tcp/);
  const frames = new FrameDecoder().push(body);
  assert.deepEqual(
    frames.map((f) => [f.stream, f.payload.toString()]),
    [
      [1, 'id=abc v=1.45 stream=true'],
      [2, 'ping'],
    ],
  );
});

test('upgrade: the JSON body is read before the stream starts', async () => {
  const json = '{"Detach":false}';
  const answer = await exchange(
    `POST /exec/e1/start HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`,
  );
  const { head, body } = split(answer);
  assert.match(head, /101 UPGRADED/);
  assert.match(head, /application\/vnd\.docker\.raw-stream/);
  assert.equal(body.toString(), `body=${json}`);
});

test('upgrade: errors before the start use the error table; bad versions too', async () => {
  const missing = split(
    await exchange(
      'POST /containers/missing/attach HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    ),
  );
  assert.match(missing.head, /^HTTP\/1\.1 404 Not Found/);
  assert.match(missing.head, /API-Version: 1\.51/);
  assert.deepEqual(JSON.parse(missing.body.toString()), { message: 'No such container: missing' });
  const tooNew = split(
    await exchange(
      'POST /v1.99/containers/x/attach HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    ),
  );
  assert.match(tooNew.head, /^HTTP\/1\.1 400/);
  assert.match(tooNew.body.toString(), /too new/);
});

test('upgrade to a route that is not hijacked goes through the app', async () => {
  const { head, body } = split(
    await exchange('GET /nope HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n'),
  );
  assert.match(head, /^HTTP\/1\.1 404/);
  assert.match(head, /api-version: 1\.51/i);
  assert.deepEqual(JSON.parse(body.toString()), { message: 'page not found' });
});

test('no upgrade asked: 200 OK with the stream as the body', async () => {
  const json = '{"Tty":true}';
  const res = await fetchOverSocket('/exec/e2/start', json);
  assert.equal(res.status, 200);
  assert.equal(res.contentType, RAW_STREAM);
  assert.equal(res.body, `body=${json}`);
});

async function fetchOverSocket(
  path: string,
  body: string,
): Promise<{ status: number; contentType: string; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path, method: 'POST', headers: { 'Content-Type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type']),
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
