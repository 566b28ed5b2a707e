import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { Duplex } from 'node:stream';
import { NotFound } from '../errdefs/index.js';
import { moduleLogger } from '../log/index.js';
import { checkApiVersion, MAX_API_VERSION, pathnameOf, splitVersionedPath } from './api-version.js';
import { DEFAULT_BODY_LIMIT } from './body.js';
import { errorAnswer } from './error-status.js';
import { readRequestBody, readUpgradeBody } from './hijack-body.js';
import { DockerQuery } from './query.js';

const log = moduleLogger('api.hijack');

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';
export type HijackMediaType = typeof RAW_STREAM | typeof MULTIPLEXED_STREAM;

export interface HijackContext {
  params: Record<string, string>;
  query: DockerQuery;
  /** The client's API version. */
  version: string;
  headers: IncomingMessage['headers'];
  /** The request body (e.g. exec start's JSON); empty when there was none. */
  body: Buffer;
  /** Whether the client asked for `Upgrade: tcp` (else the answer is a plain 200). */
  upgrade: boolean;
  /**
   * A WebSocket session (`Upgrade: websocket`, e.g. GET /containers/{id}/attach/ws): `start`
   * completes the handshake and each write is one binary message; no multiplexed framing.
   */
  websocket: boolean;
  /** Aborted when the connection closes. */
  signal: AbortSignal;
  /**
   * Sends `101 UPGRADED` (or `200 OK`) with the media type and returns the two-way stream.
   * Throw errdefs errors before calling it to answer with a status from the error table.
   */
  start(mediaType: HijackMediaType): Duplex;
}

/** Resolves when the session is over; the connection is then ended. */
export type HijackHandler = (ctx: HijackContext) => Promise<void>;

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  handler: HijackHandler;
}

function compile(pattern: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const body = pattern
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        names.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${body}/?$`), names };
}

function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
}

/** Writes a whole HTTP answer onto a raw connection and ends it. */
export function writeRawAnswer(
  socket: Duplex,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  const bytes = Buffer.from(body);
  const lines = Object.entries({ ...headers, 'Content-Length': String(bytes.length), Connection: 'close' })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(Buffer.concat([Buffer.from(`${statusLine(status)}${lines}\r\n`), bytes]));
}

interface WsApi {
  server: import('ws').WebSocketServer;
  createWebSocketStream: typeof import('ws').createWebSocketStream;
}
let wsApi: Promise<WsApi> | undefined;

/** `ws` is loaded at the first WebSocket attach: about 2.5 MiB that most engines never use. */
function loadWs(): Promise<WsApi> {
  wsApi ??= import('ws').then((m) => ({
    server: new m.WebSocketServer({ noServer: true, perMessageDeflate: false }),
    createWebSocketStream: m.createWebSocketStream,
  }));
  return wsApi;
}

/** Completes a WebSocket handshake (synchronously, as `ws` does) and returns its byte stream. */
function acceptWebSocket(api: WsApi, req: IncomingMessage, socket: Duplex, head: Buffer): Duplex {
  let stream: Duplex | undefined;
  api.server.handleUpgrade(req, socket, head, (ws) => {
    ws.binaryType = 'nodebuffer';
    stream = api.createWebSocketStream(ws);
    stream.on('error', (err) => log.debug({ err }, 'websocket stream error'));
  });
  if (!stream) throw new Error('websocket handshake failed');
  return stream;
}

/**
 * Requests whose connection is taken over (attach, exec start): hono cannot hijack, so the
 * node server's `upgrade` and `request` events come here first. Same version check and
 * error table as the hono app.
 */
export class HijackRouter {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: HijackHandler): this {
    this.routes.push({ method: method.toUpperCase(), ...compile(pattern), handler });
    return this;
  }

  match(
    method: string,
    path: string,
  ): { handler: HijackHandler; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method.toUpperCase()) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { handler: route.handler, params };
    }
    return undefined;
  }

  /** True when the request targets a hijack route (checked before hono sees it). */
  handles(req: IncomingMessage): boolean {
    const { path } = splitVersionedPath(pathnameOf(req.url ?? '/'));
    return this.match(req.method ?? 'GET', path) !== undefined;
  }

  /**
   * The server's `upgrade` event. Requests for other routes go to `fallback` (the hono
   * app, answered on the raw connection), or get 404 without one.
   */
  async onUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    fallback?: (req: IncomingMessage, socket: Duplex) => Promise<void>,
  ): Promise<void> {
    socket.on('error', (err) => log.debug({ err }, 'hijacked connection error'));
    const controller = new AbortController();
    socket.once('close', () => controller.abort());
    let started = false;
    const answerError = (err: unknown) => {
      const { status, body } = errorAnswer(err, { method: req.method ?? '', path: req.url ?? '' });
      writeRawAnswer(
        socket,
        status,
        { 'API-Version': MAX_API_VERSION, 'Content-Type': 'application/json' },
        `${JSON.stringify(body)}\n`,
      );
    };
    const websocket = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    let wsStream: Duplex | undefined;
    try {
      if (fallback && !this.handles(req)) {
        await fallback(req, socket);
        return;
      }
      const { found, ctxBase } = this.prepare(req);
      if (!found) throw new NotFound('page not found');
      const body = await readUpgradeBody(req, socket, head, DEFAULT_BODY_LIMIT);
      const ws = websocket ? await loadWs() : undefined;
      const ctx: HijackContext = {
        ...ctxBase(found.params),
        body,
        upgrade: true,
        websocket,
        signal: controller.signal,
        start: (mediaType) => {
          started = true;
          if (ws) {
            wsStream = acceptWebSocket(ws, req, socket, head);
            return wsStream;
          }
          if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
          socket.write(
            `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${mediaType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nAPI-Version: ${MAX_API_VERSION}\r\n\r\n`,
          );
          return socket;
        },
      };
      await found.handler(ctx);
      // A WebSocket ends with a close frame; a hijacked stream by ending the connection.
      if (wsStream) wsStream.end();
      else if (!socket.writableEnded) socket.end();
    } catch (err) {
      if (!started) answerError(err);
      else {
        log.warn({ err, url: req.url }, 'hijacked session failed');
        socket.destroy();
      }
    }
  }

  /** A plain request to a hijack route: answered 200 with the stream as the response body. */
  async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    let started = false;
    try {
      const { found, ctxBase } = this.prepare(req);
      if (!found) throw new NotFound('page not found');
      const body = await readRequestBody(req, DEFAULT_BODY_LIMIT);
      const ctx: HijackContext = {
        ...ctxBase(found.params),
        body,
        upgrade: false,
        websocket: false,
        signal: controller.signal,
        start: (mediaType) => {
          started = true;
          res.writeHead(200, { 'Content-Type': mediaType, 'API-Version': MAX_API_VERSION });
          res.flushHeaders();
          return Duplex.from({ readable: req, writable: res });
        },
      };
      await found.handler(ctx);
      if (!res.writableEnded) res.end();
    } catch (err) {
      if (started) {
        log.warn({ err, url: req.url }, 'hijacked session failed');
        res.destroy();
        return;
      }
      const { status, body } = errorAnswer(err, { method: req.method ?? '', path: req.url ?? '' });
      res.writeHead(status, { 'API-Version': MAX_API_VERSION, 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    }
  }

  private prepare(req: IncomingMessage) {
    const url = req.url ?? '/';
    const { path, version } = splitVersionedPath(pathnameOf(url));
    checkApiVersion(version);
    const found = this.match(req.method ?? 'GET', path);
    const ctxBase = (params: Record<string, string>) => ({
      params,
      query: DockerQuery.fromUrl(url),
      version,
      headers: req.headers,
    });
    return { found, ctxBase };
  }
}
