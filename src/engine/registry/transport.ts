import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { Cancelled, Unavailable } from '../../errdefs/index.js';
import { isLoopbackHost, splitHostPort } from './endpoints.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  insecureTls?: boolean;
  signal?: AbortSignal;
  /** Follow 3xx answers (GET/HEAD only); Authorization is dropped when the origin changes. */
  followRedirects?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  /** The URL that answered (after redirects). */
  url: string;
}

/** The registry could not be reached (refused, reset, TLS failure, DNS); the message names the host. */
export class RegistryUnreachable extends Unavailable {}

const MAX_REDIRECTS = 5;
const HEADERS_TIMEOUT_MS = 60_000;
const BODY_TIMEOUT_MS = 120_000;

function hasProxyEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.HTTP_PROXY || env.http_proxy || env.HTTPS_PROXY || env.https_proxy);
}

const dispatchers = new Map<string, Dispatcher>();

type UndiciParts = typeof import('./undici-parts.js');
let undici: Promise<UndiciParts> | undefined;

/**
 * undici is loaded at the first registry request, and only the parts of it used here
 * (undici-parts.ts): evaluating its modules takes about 7 MiB (its own fetch, cache stores,
 * mock agents…), which an engine that does not pull keeps for nothing.
 */
function loadUndici(): Promise<UndiciParts> {
  undici ??= import('./undici-parts.js');
  return undici;
}

/**
 * One connection pool per (TLS verification, proxy) combination. The user's HTTP(S)_PROXY
 * and NO_PROXY are honoured through EnvHttpProxyAgent; loopback is never proxied (as Go's
 * ProxyFromEnvironment).
 */
async function dispatcherFor(url: string, insecureTls: boolean): Promise<Dispatcher> {
  const { Agent, EnvHttpProxyAgent } = await loadUndici();
  const { host } = splitHostPort(new URL(url).host);
  const proxied = hasProxyEnv() && !isLoopbackHost(host);
  const key = `${insecureTls ? 'insecure' : 'secure'}-${proxied ? 'proxy' : 'direct'}`;
  let d = dispatchers.get(key);
  if (!d) {
    const tls = insecureTls ? { rejectUnauthorized: false } : {};
    const common = { headersTimeout: HEADERS_TIMEOUT_MS, bodyTimeout: BODY_TIMEOUT_MS, connect: tls };
    d = proxied ? new EnvHttpProxyAgent({ ...common, requestTls: tls }) : new Agent(common);
    dispatchers.set(key, d);
  }
  return d;
}

/** Closes the pools (tests, shutdown). */
export async function closeDispatchers(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.all(all.map((d) => d.close().catch(() => {})));
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'i/o timeout',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'temporary failure in name resolution',
  EPIPE: 'broken pipe',
  UND_ERR_CONNECT_TIMEOUT: 'i/o timeout',
  UND_ERR_SOCKET: 'connection reset by peer',
  UND_ERR_HEADERS_TIMEOUT: 'timeout awaiting response headers',
  UND_ERR_BODY_TIMEOUT: 'timeout reading the response body',
  UND_ERR_CLOSED: 'connection closed',
};

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_ABORTED') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for failures of the connection itself (worth a retry or the next endpoint). */
export function isNetworkError(err: unknown): boolean {
  if (err instanceof RegistryUnreachable) return true;
  const code = errorCode(err);
  return (
    code !== undefined &&
    (code in NETWORK_CODES ||
      code.startsWith('ERR_SSL') ||
      code.startsWith('ERR_TLS') ||
      code === 'EPROTO' ||
      /CERT|SELF_SIGNED/.test(code))
  );
}

/** Converts a low-level failure into Unavailable naming the URL, in Go's words where they exist. */
export function unreachable(method: string, url: string, err: unknown): RegistryUnreachable {
  const code = errorCode(err);
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const what =
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/.test(String((err as Error)?.message))
      ? 'http: server gave HTTP response to HTTPS client'
      : code && code in NETWORK_CODES
        ? `dial tcp ${u.hostname}:${port}: connect: ${NETWORK_CODES[code]}`
        : `${(err as Error)?.message ?? String(err)}`;
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  return new RegistryUnreachable(`${verb} "${url}": ${what}`, { cause: err });
}

function isAbort(err: unknown, signal: AbortSignal | undefined): boolean {
  return Boolean(signal?.aborted) || (err as Error)?.name === 'AbortError';
}

/**
 * One HTTP exchange with a registry or a storage backend it redirects to. Network failures
 * become RegistryUnreachable; an abort becomes Cancelled. The caller consumes or dumps the body.
 */
export async function send(req: HttpRequest): Promise<HttpResponse> {
  let url = req.url;
  let headers = { ...(req.headers ?? {}) };
  for (let hop = 0; ; hop++) {
    let res: Dispatcher.ResponseData;
    try {
      const { request } = await loadUndici();
      res = await request(url, {
        method: req.method,
        headers,
        body: req.body ?? null,
        dispatcher: await dispatcherFor(url, req.insecureTls ?? false),
        signal: req.signal ?? null,
      });
    } catch (err) {
      if (isAbort(err, req.signal)) throw new Cancelled(`${req.method} ${url} cancelled`, { cause: err });
      throw unreachable(req.method, url, err);
    }
    const location = res.headers.location;
    const redirect = [301, 302, 303, 307, 308].includes(res.statusCode) && typeof location === 'string';
    if (!redirect || !req.followRedirects || hop >= MAX_REDIRECTS) {
      return { status: res.statusCode, headers: res.headers, body: res.body, url };
    }
    await res.body.dump().catch(() => {});
    const next = new URL(location, url);
    if (next.origin !== new URL(url).origin) {
      headers = Object.fromEntries(
        Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'),
      );
    }
    url = next.toString();
  }
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
