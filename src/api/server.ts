import { createServer as createHttpServer, type IncomingMessage, type RequestListener } from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { moduleLogger } from '../log/index.js';
import { MAX_API_VERSION } from './api-version.js';
import type { ApiEnv } from './env.js';
import { type HijackRouter, writeRawAnswer } from './hijack.js';

const log = moduleLogger('api.server');

export interface TlsOptions {
  /** PEM text. */
  ca: string;
  cert: string;
  key: string;
}

export interface ApiServerOptions {
  app: Hono<ApiEnv>;
  hijack: HijackRouter;
  /** With TLS the server requires and verifies a client certificate signed by `ca`. */
  tls?: TlsOptions;
}

/** Answers a non-hijack request that arrived with an Upgrade header through the hono app. */
async function answerWithApp(app: Hono<ApiEnv>, req: IncomingMessage, socket: Duplex): Promise<void> {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    for (const value of Array.isArray(v) ? v : [v]) headers.append(k, value);
  }
  const response = await app.fetch(
    new Request(`http://localhost${req.url ?? '/'}`, { method: req.method, headers }),
  );
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    out[key] = value;
  });
  delete out['content-length'];
  delete out['transfer-encoding'];
  writeRawAnswer(socket, response.status, out, await response.text());
}

/**
 * The node server behind one listener: hijack routes first (plain and upgraded requests),
 * everything else through hono via @hono/node-server. Nothing a client sends can throw out
 * of here.
 */
export function createApiServer(options: ApiServerOptions) {
  const honoListener = getRequestListener(options.app.fetch, {
    errorHandler: (err) => {
      log.error({ err }, 'unhandled error in request listener');
      return new Response(JSON.stringify({ message: 'internal error' }), {
        status: 500,
        headers: { 'Content-Type': 'application/json', 'API-Version': MAX_API_VERSION },
      });
    },
  });
  const listener: RequestListener = (req, res) => {
    if (options.hijack.handles(req)) {
      options.hijack.onRequest(req, res).catch((err) => log.error({ err }, 'hijack request failed'));
      return;
    }
    honoListener(req, res).catch((err) => log.error({ err }, 'request failed'));
  };
  const serverOptions = { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 5_000 };
  const server = options.tls
    ? createHttpsServer(
        { ...serverOptions, ...options.tls, requestCert: true, rejectUnauthorized: true },
        listener,
      )
    : createHttpServer(serverOptions, listener);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    options.hijack
      .onUpgrade(req, socket, head, (r, s) => answerWithApp(options.app, r, s))
      .catch((err) => {
        log.error({ err }, 'upgrade failed');
        socket.destroy();
      });
  });
  server.on('clientError', (err, socket) => {
    log.debug({ err }, 'client error');
    if (socket.writable) writeRawAnswer(socket, 400, { 'Content-Type': 'text/plain' }, 'Bad Request');
    else socket.destroy();
  });
  server.on('tlsClientError', (err) => log.info({ err: err.message }, 'TLS client refused'));
  return server;
}

export type ApiServer = ReturnType<typeof createApiServer>;

/**
 * node:https, loaded only for a TLS listener: with it comes node:tls, which an engine serving
 * only its unix socket does not need (see scripts/bundle-engine.mjs on node:http2).
 */
function createHttpsServer(...args: Parameters<typeof Https.createServer>): Https.Server {
  const https = createRequire(import.meta.url)('node:https') as typeof Https;
  return https.createServer(...args);
}
