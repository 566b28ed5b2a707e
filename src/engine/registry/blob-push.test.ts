import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type Registry, startRegistry } from '../../../test/fixtures/registry.js';
import { sha256Of } from '../content/index.js';
import { parseDockerRef } from '../images/reference.js';
import { uploadBlobChunked } from './blob-push.js';
import { RegistryClient } from './client.js';
import { closeDispatchers } from './transport.js';

/**
 * A proxy before the registry that answers 413 to any request whose body exceeds `limit`
 * bytes (as nginx's client_max_body_size does), and records the PATCH Content-Range headers.
 */
function limitingProxy(target: URL, limit: number) {
  const seen: { method: string; range?: string; length: number; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = {
        method: req.method ?? '',
        ...(req.headers['content-range'] ? { range: String(req.headers['content-range']) } : {}),
        length: body.length,
        status: 0,
      };
      seen.push(entry);
      if (body.length > limit) {
        entry.status = 413;
        res.writeHead(413, { 'content-type': 'text/html' }).end('<html>413 Request Entity Too Large</html>');
        return;
      }
      const out = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (up) => {
          entry.status = up.statusCode ?? 0;
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  return {
    seen,
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)),
      ),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function blobBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

describe('blob upload against a real registry', () => {
  let registry: Registry;
  const client = new RegistryClient();

  before(async () => {
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
    await closeDispatchers();
  });

  test('a chunked upload (PATCH with Content-Range, then PUT) stores the blob', async () => {
    const data = randomBytes(100_000);
    const desc = { digest: sha256Of(data), size: data.length };
    const repo = client.repository(parseDockerRef(`${registry.host}/chunked/one`), { push: true });
    // Settles the endpoint (plain HTTP on loopback) as a push's first HEAD does.
    assert.equal(await repo.statBlob(desc.digest), undefined);
    // From a stream, in 30 000-byte chunks: four PATCHes, the last one shorter.
    await uploadBlobChunked(repo, desc, () => Readable.from([data.subarray(0, 7), data.subarray(7)]), {
      chunkSize: 30_000,
    });
    assert.deepEqual(await repo.statBlob(desc.digest), { size: data.length });
    assert.deepEqual(await blobBytes(`${registry.url}/v2/chunked/one/blobs/${desc.digest}`), data);
    // A wrong digest is refused by the registry at the final PUT.
    const wrong = { digest: sha256Of('something else'), size: data.length };
    await assert.rejects(uploadBlobChunked(repo, wrong, data, { chunkSize: 40_000 }));
  });

  test('a registry refusing a large body (413) gets the blob in chunks it accepts', async () => {
    const proxy = limitingProxy(new URL(registry.url), 200_000);
    const host = await proxy.start();
    try {
      const data = randomBytes(300_000);
      const desc = { digest: sha256Of(data), size: data.length };
      const repo = client.repository(parseDockerRef(`${host}/chunked/two`), { push: true });
      await repo.uploadBlob(desc, data);
      assert.deepEqual(await blobBytes(`${registry.url}/v2/chunked/two/blobs/${desc.digest}`), data);
      const puts = proxy.seen.filter((s) => s.method === 'PUT');
      assert.equal(puts[0]?.status, 413, 'the monolithic PUT was refused');
      const patches = proxy.seen.filter((s) => s.method === 'PATCH' && s.status === 202);
      assert.ok(patches.length >= 2, JSON.stringify(proxy.seen));
      let next = 0;
      for (const p of patches) {
        assert.equal(p.range, `${next}-${next + p.length - 1}`);
        assert.ok(p.length <= 200_000);
        next += p.length;
      }
      assert.equal(next, data.length);
      assert.equal(puts.at(-1)?.length, 0, 'the closing PUT has no body');
    } finally {
      await proxy.stop();
    }
  });
});
