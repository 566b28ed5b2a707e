import { InvalidParameter } from '../errdefs/index.js';

export const MIN_API_VERSION = '1.24';
export const MAX_API_VERSION = '1.51';
export const DEFAULT_API_VERSION = MAX_API_VERSION;

/** Compares two "major.minor" versions numerically: negative, zero or positive. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface VersionedPath {
  /** The path without the /vX.Y prefix. */
  path: string;
  /** The client's version, or DEFAULT_API_VERSION for an unversioned path. */
  version: string;
  /** Whether the path carried a /vX.Y prefix. */
  explicit: boolean;
}

const PREFIX = /^\/v([0-9]+(?:\.[0-9]+)*)(?=\/|$)/;

/** Splits `/v1.43/containers/json` into version and path. Does not check the range. */
export function splitVersionedPath(pathname: string): VersionedPath {
  const m = PREFIX.exec(pathname);
  if (!m?.[1]) return { path: pathname, version: DEFAULT_API_VERSION, explicit: false };
  const rest = pathname.slice(m[0].length);
  return { path: rest === '' ? '/' : rest, version: m[1], explicit: true };
}

/** Throws Docker's own 400 message for a version outside the supported range. */
export function checkApiVersion(version: string): void {
  if (compareApiVersions(version, MAX_API_VERSION) > 0) {
    throw new InvalidParameter(
      `client version ${version} is too new. Maximum supported API version is ${MAX_API_VERSION}`,
    );
  }
  if (compareApiVersions(version, MIN_API_VERSION) < 0) {
    throw new InvalidParameter(
      `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
}

/** The path part of a request URL, without query or fragment. */
export function pathnameOf(url: string): string {
  const scheme = url.indexOf('://');
  const start = scheme === -1 ? 0 : url.indexOf('/', scheme + 3);
  if (start === -1) return '/';
  let end = url.length;
  for (const ch of ['?', '#']) {
    const i = url.indexOf(ch, start);
    if (i !== -1 && i < end) end = i;
  }
  return url.slice(start, end) || '/';
}
