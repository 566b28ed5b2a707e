import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy in front of a real registry that breaks the first blob download halfway
 * (headers and half the body, then the connection is destroyed). With `ignoreRange` it
 * strips Range headers so that the client must restart instead of resuming.
 */
export interface FlakyProxy {
  host: string;
  /** Range headers seen on blob GETs, in order (`''` when none). */
  blobRanges: string[];
  close(): Promise<void>;
}

export async function startFlakyProxy(
  target: string,
  options: { breaks?: number; ignoreRange?: boolean } = {},
): Promise<FlakyProxy> {
  const targetUrl = new URL(target);
  let breaksLeft = options.breaks ?? 1;
  const blobRanges: string[] = [];
  const server: Server = createServer((req, res) => {
    const isBlobGet = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '');
    const headers = { ...req.headers, host: targetUrl.host };
    if (isBlobGet) {
      blobRanges.push(String(req.headers.range ?? ''));
      if (options.ignoreRange) delete headers.range;
    }
    const upstream = httpRequest(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const length = Number(up.headers['content-length'] ?? 0);
        if (isBlobGet && breaksLeft > 0 && length > 2) {
          breaksLeft--;
          let sent = 0;
          up.on('data', (chunk: Buffer) => {
            if (sent >= length / 2) return;
            const part = chunk.subarray(0, Math.max(0, Math.floor(length / 2) - sent));
            sent += part.length;
            res.write(part);
            if (sent >= length / 2) {
              up.destroy();
              setTimeout(() => res.socket?.destroy(), 20);
            }
          });
          return;
        }
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    blobRanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
