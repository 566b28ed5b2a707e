import { InvalidParameter } from '../../errdefs/index.js';
import { DEFAULT_DOMAIN } from '../images/reference.js';

/**
 * Registry credentials as Docker clients send them (`X-Registry-Auth`, `POST /auth` body,
 * config.json `auths`). Never log this object.
 */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64(`username:password`), as config.json stores it. */
  auth?: string;
  email?: string;
  serveraddress?: string;
  /** An OAuth refresh token from an earlier login. */
  identitytoken?: string;
  /** A bearer token to send as it is. */
  registrytoken?: string;
}

/** Username and password from either the fields or the `auth` pair; undefined when absent. */
export function basicCredentials(
  auth: RegistryAuth | undefined,
): { username: string; password: string } | undefined {
  if (!auth) return undefined;
  if (auth.username) return { username: auth.username, password: auth.password ?? '' };
  if (auth.auth) {
    const decoded = Buffer.from(auth.auth, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
  }
  return undefined;
}

export function hasCredentials(auth: RegistryAuth | undefined): boolean {
  return Boolean(basicCredentials(auth) || auth?.identitytoken || auth?.registrytoken);
}

/**
 * Decodes an `X-Registry-Auth` header (base64url JSON). An empty header, `{}` or
 * undecodable input yields undefined, as Docker ignores a malformed header for pulls.
 */
export function decodeRegistryAuthHeader(header: string | undefined): RegistryAuth | undefined {
  if (!header) return undefined;
  try {
    const json = Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const value: unknown = JSON.parse(json);
    if (!value || typeof value !== 'object') return undefined;
    const out: RegistryAuth = {};
    const v = value as Record<string, unknown>;
    for (const key of [
      'username',
      'password',
      'auth',
      'email',
      'serveraddress',
      'identitytoken',
      'registrytoken',
    ] as const) {
      if (typeof v[key] === 'string' && v[key] !== '') out[key] = v[key] as string;
    }
    return out;
  } catch {
    return undefined;
  }
}

/**
 * The registry domain a login's `serveraddress` names: Docker Hub's
 * `https://index.docker.io/v1/` (or empty) is docker.io; `http://h:5000/` is `h:5000`.
 */
export function registryDomainOf(serveraddress: string | undefined): string {
  const raw = (serveraddress ?? '').trim();
  if (raw === '') return DEFAULT_DOMAIN;
  const withoutScheme = raw.replace(/^[a-z]+:\/\//i, '');
  const host = withoutScheme.split('/')[0] ?? '';
  if (host === '') throw new InvalidParameter(`invalid registry address ${JSON.stringify(raw)}`);
  if (host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'docker.io')
    return DEFAULT_DOMAIN;
  return host.toLowerCase();
}
