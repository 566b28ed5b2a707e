/**
 * The Fetch standard's Response, for the engine's HTTP API without Node's built-in undici (see
 * install.ts). @hono/node-server writes most answers from its own lightweight Response and
 * makes one of these only when a handler reads an answer back (its body, clone()).
 */
import type { Blob } from 'node:buffer';
import type { ReadableStream } from 'node:stream/web';
import { BodyHolder, type BodySource, extractBody, readArrayBuffer, readBlob, readText } from './body.js';
import { LiteHeaders } from './headers.js';

export interface LiteResponseInit {
  status?: number;
  statusText?: string;
  headers?: ConstructorParameters<typeof LiteHeaders>[0];
}

/** Statuses whose responses have no body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);

export class LiteResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: LiteHeaders;
  readonly type: 'default' | 'error';
  readonly url = '';
  readonly redirected = false;
  #body: BodyHolder;

  constructor(body: BodySource = null, init: LiteResponseInit = {}) {
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
    }
    const extracted = extractBody(body);
    if (extracted && NULL_BODY.has(status))
      throw new TypeError(`Response with null body status cannot have body`);
    this.status = status;
    this.statusText = init.statusText ?? '';
    this.headers = new LiteHeaders(init.headers);
    this.type = 'default';
    if (extracted?.type && !this.headers.has('content-type'))
      this.headers.set('content-type', extracted.type);
    this.#body = new BodyHolder(extracted);
  }

  static json(data: unknown, init: LiteResponseInit = {}): LiteResponse {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    const headers = new LiteHeaders(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new LiteResponse(text, { ...init, headers });
  }

  static redirect(url: string | URL, status = 302): LiteResponse {
    if (!REDIRECT.has(status)) throw new RangeError(`Invalid status code ${status}`);
    return new LiteResponse(null, { status, headers: { location: new URL(String(url)).href } });
  }

  static error(): LiteResponse {
    const r = new LiteResponse(null, { status: 200 });
    Object.defineProperty(r, 'status', { value: 0 });
    Object.defineProperty(r, 'type', { value: 'error' });
    return r;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.#body.stream;
  }

  get bodyUsed(): boolean {
    return this.#body.used;
  }

  get [Symbol.toStringTag](): string {
    return 'Response';
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

  clone(): LiteResponse {
    const [mine, theirs] = this.#body.tee();
    this.#body = new BodyHolder(mine);
    return new LiteResponse(theirs?.stream ?? theirs?.bytes ?? null, {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
    });
  }
}
