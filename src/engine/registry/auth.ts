import type { IncomingHttpHeaders } from 'node:http';
import { InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { basicCredentials, type RegistryAuth } from './credentials.js';
import type { RegistryEndpoint } from './endpoints.js';
import { formatEntry, RegistryUnauthorized, readErrorEntries, registryError, statusLine } from './errors.js';
import { send } from './transport.js';

const log = moduleLogger('registry-auth');

/** One `WWW-Authenticate` challenge: `Bearer realm="…",service="…",scope="…"`. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses WWW-Authenticate header values (several challenges may appear). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const value of values) {
    const re = /\s*([A-Za-z][\w-]*)(?:\s+|$)/y;
    let pos = 0;
    while (pos < value.length) {
      re.lastIndex = pos;
      const m = re.exec(value);
      if (!m) break;
      const challenge: Challenge = { scheme: (m[1] ?? '').toLowerCase(), params: {} };
      pos = re.lastIndex;
      const param = /\s*([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;
      for (;;) {
        param.lastIndex = pos;
        const p = param.exec(value);
        if (!p) break;
        challenge.params[(p[1] ?? '').toLowerCase()] =
          p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
        pos = param.lastIndex;
      }
      out.push(challenge);
    }
  }
  return out;
}

export interface TokenResult {
  token: string;
  /** A refresh token, when the login asked for one (offline_token). */
  refreshToken?: string;
  expiresAt: number;
}

/** The `scope` for a repository: `repository:library/busybox:pull,push`. */
export function repositoryScope(path: string, actions: readonly string[]): string {
  return `repository:${path}:${actions.join(',')}`;
}

/**
 * Fetches a bearer token from the challenge's realm: with basic credentials (GET), with an
 * identity token (POST, OAuth refresh_token grant), or anonymously. Accepts `token` or
 * `access_token` in the answer. Credentials are never logged.
 */
export async function fetchToken(
  challenge: Challenge,
  scopes: readonly string[],
  credentials: RegistryAuth | undefined,
  options: { insecureTls: boolean; signal?: AbortSignal; offline?: boolean },
): Promise<TokenResult> {
  const realm = challenge.params.realm;
  if (!realm) throw new InvalidParameter('the registry sent a bearer challenge without a realm');
  const url = new URL(realm);
  const service = challenge.params.service;
  const basic = basicCredentials(credentials);
  const headers: Record<string, string> = {};
  let method: 'GET' | 'POST' = 'GET';
  let body: Buffer | undefined;
  if (credentials?.identitytoken) {
    method = 'POST';
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: credentials.identitytoken,
      client_id: 'docker',
    });
    if (service) form.set('service', service);
    if (scopes.length) form.set('scope', scopes.join(' '));
    body = Buffer.from(form.toString());
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else {
    if (service) url.searchParams.set('service', service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    if (options.offline && basic) {
      url.searchParams.set('offline_token', 'true');
      url.searchParams.set('client_id', 'docker');
    }
    if (basic)
      headers.authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  }
  log.debug(
    { realm: `${url.origin}${url.pathname}`, service, scopes, withCredentials: Boolean(basic) },
    'fetching token',
  );
  const res = await send({
    method,
    url: url.toString(),
    headers,
    ...(body ? { body } : {}),
    insecureTls: options.insecureTls,
    signal: options.signal,
    followRedirects: true,
  });
  if (res.status !== 200) {
    const entries = await readErrorEntries(res);
    const why = entries.length ? entries.map(formatEntry).join('; ') : statusLine(res.status);
    const failure = { status: res.status, entries, url: `${url.origin}${url.pathname}` };
    if (res.status === 401)
      throw new RegistryUnauthorized(`unauthorized: ${entries[0]?.message || why}`, failure);
    throw registryError(failure, `getting a token from ${url.origin}${url.pathname}: `);
  }
  const json = (await res.body.json()) as {
    token?: unknown;
    access_token?: unknown;
    refresh_token?: unknown;
    expires_in?: unknown;
  };
  const token =
    typeof json.token === 'string' && json.token
      ? json.token
      : typeof json.access_token === 'string'
        ? json.access_token
        : '';
  if (!token) throw new RegistryUnauthorized(`the token server at ${url.origin} answered without a token`);
  const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 60;
  return {
    token,
    ...(typeof json.refresh_token === 'string' ? { refreshToken: json.refresh_token } : {}),
    expiresAt: Date.now() + expiresIn * 1000,
  };
}

/**
 * The Authorization header for one repository at one endpoint: learns the challenge from
 * `GET /v2/`, then sends Basic credentials or a bearer token for the scopes, refreshing
 * the token when the registry asks again.
 */
export class Authorizer {
  /** undefined: not asked yet; null: the registry needs no authentication. */
  private challenge: Challenge | null | undefined;
  private token: TokenResult | undefined;
  private readonly scopes: string[];

  constructor(
    readonly endpoint: RegistryEndpoint,
    private readonly credentials: RegistryAuth | undefined,
    scopes: readonly string[],
  ) {
    this.scopes = [...scopes];
  }

  /** Adds a scope (e.g. pull on the source of a cross-repository mount); the next request fetches a new token. */
  addScope(scope: string): void {
    if (this.scopes.includes(scope)) return;
    this.scopes.push(scope);
    this.token = undefined;
  }

  /** `GET /v2/`: learns how the registry wants to be authenticated. Returns the status. */
  async ping(signal?: AbortSignal): Promise<number> {
    const res = await send({
      method: 'GET',
      url: `${this.endpoint.url}/v2/`,
      insecureTls: this.endpoint.insecureTls,
      signal,
    });
    await res.body.dump().catch(() => {});
    if (res.status === 401) this.useChallenges(res.headers);
    else this.challenge = null;
    return res.status;
  }

  private useChallenges(headers: IncomingHttpHeaders): boolean {
    const all = parseChallenges(headers['www-authenticate']);
    const chosen = all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
    if (!chosen) return false;
    this.challenge = chosen;
    return true;
  }

  /** The Authorization header value for the next request (undefined when none is needed). */
  async authorization(signal?: AbortSignal): Promise<string | undefined> {
    if (this.challenge === undefined) await this.ping(signal);
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      const basic = basicCredentials(this.credentials);
      return basic
        ? `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`
        : undefined;
    }
    if (challenge.scheme !== 'bearer') return undefined;
    if (this.credentials?.registrytoken) return `Bearer ${this.credentials.registrytoken}`;
    if (!this.token || this.token.expiresAt - 5000 < Date.now()) {
      this.token = await fetchToken(challenge, this.scopes, this.credentials, {
        insecureTls: this.endpoint.insecureTls,
        signal,
      });
    }
    return `Bearer ${this.token.token}`;
  }

  /**
   * After a 401: adopt the new challenge (and its scope) and drop the token. True when a
   * retry with fresh authorization can help.
   */
  unauthorized(headers: IncomingHttpHeaders): boolean {
    const hadToken = this.token !== undefined;
    const before = JSON.stringify(this.challenge);
    if (!this.useChallenges(headers)) return false;
    const scope = this.challenge?.params.scope;
    if (scope) for (const s of scope.split(' ')) this.addScope(s);
    this.token = undefined;
    return hadToken || before !== JSON.stringify(this.challenge);
  }
}
