import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequestOptions {
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One HTTP request over a unix socket, answered in full. Rejects on connection errors. */
export function socketRequest(
  socketPath: string,
  path: string,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: 'docker', ...options.headers };
    if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
    const req = request({ socketPath, path, method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout: ${path}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** True when the socket answers GET /_ping with 200 OK. */
export async function pings(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const r = await socketRequest(socketPath, '/_ping', { timeoutMs });
    return r.status === 200 && r.body === 'OK';
  } catch {
    return false;
  }
}
