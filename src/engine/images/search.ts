import { Internal, InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { basicCredentials, type RegistryAuth } from '../registry/credentials.js';
import { type RegistryConfig, registryEndpoints } from '../registry/endpoints.js';
import { isNetworkError, send, unreachable } from '../registry/transport.js';
import { DEFAULT_DOMAIN } from './reference.js';

const log = moduleLogger('search');

/** Docker's filters: key → accepted values. */
export type Filters = Record<string, string[]>;

/** One result of `GET /images/search` (Docker's registry.SearchResult). */
export interface SearchResult {
  star_count: number;
  is_official: boolean;
  name: string;
  is_automated: boolean;
  description: string;
}

/** Docker Hub's search index. */
const DOCKER_HUB_INDEX = 'https://index.docker.io';

/** Docker's splitReposSearchTerm: `host:5000/term` searches that registry; else Docker Hub. */
export function splitSearchTerm(term: string): { domain: string; remote: string } {
  const i = term.indexOf('/');
  if (i > 0) {
    const first = term.slice(0, i);
    if (first.includes('.') || first.includes(':') || first === 'localhost')
      return { domain: first, remote: term.slice(i + 1) };
  }
  return { domain: DEFAULT_DOMAIN, remote: term };
}

function boolFilter(filters: Filters, key: string): boolean | undefined {
  const v = filters[key];
  if (!v || v.length === 0) return undefined;
  const last = v[v.length - 1] ?? '';
  if (last === 'true' || last === '1') return true;
  if (last === 'false' || last === '0') return false;
  throw new InvalidParameter(`invalid filter '${key}=${last}'`);
}

/** Checks the filters and limit as Docker does, before any request. */
export function checkSearchQuery(filters: Filters, limit: number): void {
  for (const key of Object.keys(filters))
    if (!['is-automated', 'is-official', 'stars'].includes(key))
      throw new InvalidParameter(`invalid filter '${key}'`);
  for (const s of filters.stars ?? [])
    if (!/^\d+$/.test(s)) throw new InvalidParameter(`invalid filter 'stars=${s}'`);
  if (limit < 1 || limit > 100) throw new InvalidParameter(`limit ${limit} is outside the range of [1, 100]`);
}

/**
 * `GET /images/search`: the registry's v1 search (`/v1/search?q=&n=`), as Docker asks it.
 * A registry without one (Debian's distribution 2.8 answers 404) gets Docker's
 * `Unexpected status code 404`.
 */
export async function searchImages(
  config: RegistryConfig,
  query: { term: string; limit?: number; filters?: Filters; auth?: RegistryAuth },
  signal?: AbortSignal,
): Promise<SearchResult[]> {
  const filters = query.filters ?? {};
  const limit = query.limit ?? 25;
  checkSearchQuery(filters, limit);
  const { domain, remote } = splitSearchTerm(query.term);
  const bases =
    domain === DEFAULT_DOMAIN
      ? [{ url: DOCKER_HUB_INDEX, insecureTls: false }]
      : registryEndpoints(domain, config, 'push');
  const headers: Record<string, string> = { 'user-agent': 'rootlessd/0.1' };
  const basic = basicCredentials(query.auth);
  if (basic)
    headers.authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  let lastError: unknown;
  for (const base of bases) {
    const url = `${base.url}/v1/search?q=${encodeURIComponent(remote)}&n=${limit}`;
    let res: Awaited<ReturnType<typeof send>>;
    try {
      res = await send({ method: 'GET', url, headers, insecureTls: base.insecureTls, signal });
    } catch (err) {
      lastError = err;
      if (isNetworkError(err)) continue;
      throw err;
    }
    if (res.status !== 200) {
      await res.body.dump().catch(() => {});
      log.info({ url, status: res.status }, 'registry search failed');
      throw new Internal(`Unexpected status code ${res.status}`);
    }
    const body = (await res.body.json().catch(() => undefined)) as { results?: unknown } | undefined;
    const raw = Array.isArray(body?.results) ? (body.results as Record<string, unknown>[]) : [];
    const results: SearchResult[] = raw.map((r) => ({
      star_count: Number(r.star_count ?? 0),
      is_official: Boolean(r.is_official),
      name: String(r.name ?? ''),
      is_automated: Boolean(r.is_automated),
      description: String(r.description ?? ''),
    }));
    const official = boolFilter(filters, 'is-official');
    const automated = boolFilter(filters, 'is-automated');
    const stars = Math.max(0, ...(filters.stars ?? []).map(Number));
    return results
      .filter(
        (r) =>
          (official === undefined || r.is_official === official) &&
          (automated === undefined || r.is_automated === automated) &&
          r.star_count >= stars,
      )
      .slice(0, limit);
  }
  throw isNetworkError(lastError) ? unreachable('GET', `${bases[0]?.url}/v1/search`, lastError) : lastError;
}
