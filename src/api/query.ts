import { InvalidParameter } from '../errdefs/index.js';

/** Docker's filters: key → accepted values. */
export type Filters = Record<string, string[]>;

const FALSE_WORDS = new Set(['', '0', 'false', 'no', 'none']);

/** Docker's boolean rule: "", "0", "false", "no", "none" (any case) are false; anything else true. */
export function parseDockerBool(value: string): boolean {
  return !FALSE_WORDS.has(value.trim().toLowerCase());
}

/**
 * Parses the `filters` query value. Accepts the current form {"key":{"value":true}} and
 * the legacy form {"key":["value"]}. Empty means no filters; anything malformed is a 400.
 */
export function parseFilters(raw: string | undefined | null): Filters {
  if (raw === undefined || raw === null || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new InvalidParameter(`invalid filter: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidParameter('invalid filter: expected a JSON object');
  }
  const out: Filters = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      if (!value.every((v) => typeof v === 'string')) {
        throw new InvalidParameter(`invalid filter: values of '${key}' must be strings`);
      }
      out[key] = [...value];
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      if (!entries.every(([, v]) => typeof v === 'boolean')) {
        throw new InvalidParameter(`invalid filter: values of '${key}' must map to true`);
      }
      out[key] = entries.filter(([, v]) => v === true).map(([k]) => k);
    } else {
      throw new InvalidParameter(`invalid filter: '${key}' must be a list or a map`);
    }
  }
  return out;
}

/** Reads a request's query string by Docker's rules. One instance per request. */
export class DockerQuery {
  private readonly params: URLSearchParams;

  constructor(source: URLSearchParams | string) {
    this.params = typeof source === 'string' ? new URLSearchParams(source) : source;
  }

  static fromUrl(url: string): DockerQuery {
    const q = url.indexOf('?');
    return new DockerQuery(q === -1 ? '' : url.slice(q + 1));
  }

  has(key: string): boolean {
    return this.params.has(key);
  }

  string(key: string): string | undefined {
    return this.params.get(key) ?? undefined;
  }

  /** Every value of a repeated key (`?a=1&a=2`). */
  strings(key: string): string[] {
    return this.params.getAll(key);
  }

  /** The key's boolean value; `fallback` when the key is absent. */
  bool(key: string, fallback = false): boolean {
    const value = this.params.get(key);
    return value === null ? fallback : parseDockerBool(value);
  }

  /** An integer; `fallback` when absent or empty; a 400 naming the key when not a number. */
  int(key: string, fallback: number): number;
  int(key: string): number | undefined;
  int(key: string, fallback?: number): number | undefined {
    const value = this.params.get(key);
    if (value === null || value.trim() === '') return fallback;
    if (!/^[+-]?\d+$/.test(value.trim())) {
      throw new InvalidParameter(`invalid value for ${key}: ${JSON.stringify(value)} is not an integer`);
    }
    return Number.parseInt(value, 10);
  }

  filters(key = 'filters'): Filters {
    return parseFilters(this.params.get(key));
  }

  toRecord(): Record<string, string> {
    return Object.fromEntries(this.params.entries());
  }
}
