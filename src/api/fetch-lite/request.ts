/**
 * The Fetch standard's Request, for the engine's HTTP API without Node's built-in undici (see
 * install.ts). What a server needs of it: an absolute URL, the method, headers, a body read once
 * (stream or readers), the signal that ends with the client's connection, and clone().
 */
import { BodyHolder, type BodySource, extractBody, LiteBody } from './body.js';
import { LiteHeaders } from './headers.js';

export interface LiteRequestInit {
  method?: string;
  headers?: ConstructorParameters<typeof LiteHeaders>[0];
  body?: BodySource;
  signal?: AbortSignal | null;
  duplex?: 'half';
  redirect?: string;
  [other: string]: unknown;
}

/** Methods the standard upper-cases when given in another case. */
const NORMALISED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const FORBIDDEN = new Set(['CONNECT', 'TRACE', 'TRACK']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function normaliseMethod(method: string): string {
  if (!TOKEN.test(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`);
  const upper = method.toUpperCase();
  if (FORBIDDEN.has(upper)) throw new TypeError(`'${method}' HTTP method is unsupported.`);
  return NORMALISED.has(upper) ? upper : method;
}

export class LiteRequest extends LiteBody {
  readonly url: string;
  readonly method: string;
  readonly headers: LiteHeaders;
  readonly signal: AbortSignal;
  readonly redirect: string;

  constructor(input: string | URL | LiteRequest, init: LiteRequestInit = {}) {
    super();
    const from = input instanceof LiteRequest ? input : undefined;
    let url: URL;
    try {
      url = new URL(from ? from.url : String(input));
    } catch {
      throw new TypeError(`Failed to parse URL from ${String(input)}`);
    }
    this.url = url.href;
    this.method = init.method !== undefined ? normaliseMethod(String(init.method)) : (from?.method ?? 'GET');
    this.headers = new LiteHeaders(init.headers ?? from?.headers);
    this.signal = init.signal ?? from?.signal ?? new AbortController().signal;
    this.redirect = init.redirect ?? from?.redirect ?? 'follow';
    const source = init.body;
    if (source !== undefined && source !== null && (this.method === 'GET' || this.method === 'HEAD')) {
      throw new TypeError('Request with GET/HEAD method cannot have body.');
    }
    let extracted = extractBody(source);
    if (source === undefined && from) {
      // A request made from another takes over its body (the standard marks the old one used).
      extracted = from.holder.present ? { stream: from.holder.stream ?? undefined } : null;
    }
    if (extracted?.stream && source !== undefined && init.duplex !== 'half') {
      throw new TypeError('RequestInit: duplex option is required when sending a body.');
    }
    this.setBody(extracted);
  }

  get duplex(): 'half' {
    return 'half';
  }

  get [Symbol.toStringTag](): string {
    return 'Request';
  }

  clone(): LiteRequest {
    const [mine, theirs] = this.holder.tee();
    this.holder = new BodyHolder(mine);
    return new LiteRequest(this.url, {
      method: this.method,
      headers: this.headers,
      signal: this.signal,
      redirect: this.redirect,
      duplex: 'half',
      body: theirs?.stream ?? theirs?.bytes ?? null,
    });
  }
}
