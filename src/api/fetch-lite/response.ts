/**
 * The Fetch standard's Response, for the engine's HTTP API without Node's built-in undici (see
 * install.ts). @hono/node-server writes most answers from its own lightweight Response and
 * makes one of these only when a handler reads an answer back (its body, clone()).
 */
import { BodyHolder, type BodySource, extractBody, LiteBody } from './body.js';
import { LiteHeaders } from './headers.js';

export interface LiteResponseInit {
  status?: number;
  statusText?: string;
  headers?: ConstructorParameters<typeof LiteHeaders>[0];
}

/** Statuses whose responses have no body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);

export class LiteResponse extends LiteBody {
  readonly status: number;
  readonly statusText: string;
  readonly headers: LiteHeaders;
  readonly type: 'default' | 'error';
  readonly url = '';
  readonly redirected = false;

  constructor(body: BodySource = null, init: LiteResponseInit = {}) {
    super();
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
    this.setBody(extracted);
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

  get [Symbol.toStringTag](): string {
    return 'Response';
  }

  clone(): LiteResponse {
    const [mine, theirs] = this.holder.tee();
    this.holder = new BodyHolder(mine);
    return new LiteResponse(theirs?.stream ?? theirs?.bytes ?? null, {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
    });
  }
}
