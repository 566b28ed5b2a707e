/**
 * The Fetch standard's Headers, for the engine's HTTP API without Node's built-in undici (see
 * install.ts for why). Names are compared case-insensitively and iterated lower-cased in sorted
 * order; values are trimmed of HTTP whitespace; `set-cookie` keeps each value apart
 * (getSetCookie) while other repeated names join with ", ".
 */

type HeadersInitLike = Iterable<readonly [string, string]> | Record<string, string | readonly string[]>;

/** RFC 9110 token: what a header name may hold. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A value may not hold NUL, CR or LF (after trimming). */
const BAD_VALUE = /[\0\r\n]/;
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

function checkName(name: string): string {
  const text = String(name);
  if (!TOKEN.test(text)) throw new TypeError(`Headers: invalid header name "${text}"`);
  return text.toLowerCase();
}

function normaliseValue(value: string): string {
  const text = String(value).replace(EDGE_WHITESPACE, '');
  if (BAD_VALUE.test(text)) throw new TypeError(`Headers: invalid header value "${text}"`);
  return text;
}

function isIterable(value: object): value is Iterable<readonly [string, string]> {
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

export class LiteHeaders {
  /** Lower-cased name → its values in the order they were added. */
  readonly #map = new Map<string, string[]>();

  constructor(init?: HeadersInitLike | null) {
    if (init === undefined || init === null) return;
    if (typeof init !== 'object')
      throw new TypeError('Headers: init must be an object or a sequence of pairs');
    if (isIterable(init)) {
      for (const pair of init) {
        if (pair.length !== 2) throw new TypeError('Headers: each pair must hold a name and a value');
        this.append(pair[0], pair[1]);
      }
      return;
    }
    for (const [name, value] of Object.entries(init)) {
      // A Node-style record may list a repeated header as an array.
      if (Array.isArray(value)) for (const v of value) this.append(name, v);
      else this.append(name, value as string);
    }
  }

  append(name: string, value: string): void {
    const key = checkName(name);
    const text = normaliseValue(value);
    const values = this.#map.get(key);
    if (values) values.push(text);
    else this.#map.set(key, [text]);
  }

  set(name: string, value: string): void {
    this.#map.set(checkName(name), [normaliseValue(value)]);
  }

  delete(name: string): void {
    this.#map.delete(checkName(name));
  }

  get(name: string): string | null {
    const values = this.#map.get(checkName(name));
    return values ? values.join(', ') : null;
  }

  has(name: string): boolean {
    return this.#map.has(checkName(name));
  }

  getSetCookie(): string[] {
    return [...(this.#map.get('set-cookie') ?? [])];
  }

  *entries(): IterableIterator<[string, string]> {
    for (const key of [...this.#map.keys()].sort()) {
      const values = this.#map.get(key);
      if (!values) continue; // deleted while iterating
      if (key === 'set-cookie') for (const v of values) yield [key, v];
      else yield [key, values.join(', ')];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  forEach(callback: (value: string, key: string, parent: LiteHeaders) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}
