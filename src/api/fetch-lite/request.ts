/**
 * The Fetch standard's Request, for the engine's HTTP API without Node's built-in undici (see
 * install.ts). What a server needs of it: an absolute URL, the method, headers, a body read once
 * (stream or readers), the signal that ends with the client's connection, and clone().
 */
import type { Blob } from 'node:buffer';
import type { ReadableStream } from 'node:stream/web';
import { BodyHolder, type BodySource, extractBody, readArrayBuffer, readBlob, readText } from './body.js';
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

export class LiteRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: LiteHeaders;
  readonly signal: AbortSignal;
  readonly redirect: string;
  #body: BodyHolder;

  constructor(input: string | URL | LiteRequest, init: LiteRequestInit = {}) {
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
    const source = init.body !== undefined ? init.body : undefined;
    if (source !== undefined && source !== null && (this.method === 'GET' || this.method === 'HEAD')) {
      throw new TypeError('Request with GET/HEAD method cannot have body.');
    }
    let extracted = extractBody(source);
    if (source === undefined && from) {
      // A request made from another takes over its body (the standard marks the old one used).
      extracted = from.#body.present ? { stream: from.#body.stream ?? undefined } : null;
    }
    if (extracted?.stream && source !== undefined && init.duplex !== 'half') {
      throw new TypeError('RequestInit: duplex option is required when sending a body.');
    }
    if (extracted?.type && !this.headers.has('content-type'))
      this.headers.set('content-type', extracted.type);
    this.#body = new BodyHolder(extracted);
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.#body.stream;
  }

  get bodyUsed(): boolean {
    return this.#body.used;
  }

  get duplex(): 'half' {
    return 'half';
  }

  get [Symbol.toStringTag](): string {
    return 'Request';
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return readArrayBuffer(this.#body);
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await readArrayBuffer(this.#body));
  }

  text(): Promise<string> {
    return readText(this.#body);
  }

  async json(): Promise<unknown> {
    return JSON.parse(await readText(this.#body));
  }

  blob(): Promise<Blob> {
    return readBlob(this.#body, this.headers.get('content-type'));
  }

  formData(): Promise<never> {
    return Promise.reject(new TypeError('FormData bodies are not supported by the engine API'));
  }

  clone(): LiteRequest {
    const [mine, theirs] = this.#body.tee();
    this.#body = new BodyHolder(mine);
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
