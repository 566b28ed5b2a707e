import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createApp } from './create-app.js';
import { HijackRouter } from './hijack.js';
import { type ApiServer, createApiServer } from './server.js';
import { fakeBackends } from './testing/fake-backends.js';

let dir: string;
let server: ApiServer;
const pem: Record<string, string> = {};

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(at: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: at, stdio: 'ignore' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
  );
  for (const [name, extra] of [
    ['server', ['-addext', 'subjectAltName=IP:127.0.0.1']],
    ['client', []],
  ] as const) {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
      ...extra,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-copy_extensions',
      'copy',
    );
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'api-tls-'));
  makeCertificates(dir);
  for (const f of ['ca', 'server', 'server-key', 'client', 'client-key'])
    pem[f] = await readFile(join(dir, `${f}.pem`), 'utf8');
  server = createApiServer({
    app: createApp(fakeBackends()),
    hijack: new HijackRouter(),
    tls: { ca: pem.ca ?? '', cert: pem.server ?? '', key: pem['server-key'] ?? '' },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function ping(withClientCertificate: boolean): Promise<{ status: number; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/_ping',
        ca: pem.ca,
        ...(withClientCertificate ? { cert: pem.client, key: pem['client-key'] } : {}),
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('a TLS listener answers a client whose certificate the CA signed', async () => {
  assert.deepEqual(await ping(true), { status: 200, body: 'OK' });
});

test('a TLS listener refuses a client without a certificate', async () => {
  await assert.rejects(ping(false));
});
