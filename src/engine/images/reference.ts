import { InvalidParameter } from '../../errdefs/index.js';

/**
 * Docker image references, parsed and normalised by the same grammar and with the same
 * error texts as Docker's reference library:
 *   `busybox` → docker.io/library/busybox:latest, `host:port/path:tag`, `name@sha256:…`.
 */

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

const alphaNumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainName}|${ipv6Address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePattern = `(?:${domainAndPort}/)?${remoteName}`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const referenceRegexp = new RegExp(`^(${namePattern})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredTagRegexp = new RegExp(`^${tagPattern}$`);
const anchoredIdentifierRegexp = /^[a-f0-9]{64}$/;

/** Digest algorithms Docker accepts and the length of their hex encoding. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** A parsed, normalised reference: domain is always set (docker.io for Docker Hub). */
export interface ImageReference {
  /** Registry host, with port when given: `docker.io`, `127.0.0.1:5000`. */
  readonly domain: string;
  /** Repository path within the registry: `library/busybox`. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Thrown for a reference Docker would refuse; the message is Docker's. */
export class InvalidReference extends InvalidParameter {}

/** Validates a digest string as go-digest does; returns it unchanged. */
export function validateDigest(digest: string): string {
  const i = digest.indexOf(':');
  if (i <= 0 || i + 1 === digest.length) throw new InvalidReference('invalid checksum digest format');
  const algorithm = digest.slice(0, i);
  const hex = digest.slice(i + 1);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) throw new InvalidReference('unsupported digest algorithm');
  if (hex.length !== length) throw new InvalidReference('invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(hex)) throw new InvalidReference('invalid checksum digest format');
  return digest;
}

/** Parses an already fully qualified reference string (Docker's `reference.Parse`). */
export function parseReference(s: string): { name: string; tag?: string; digest?: string } {
  const m = referenceRegexp.exec(s);
  if (!m) {
    if (s === '') throw new InvalidReference('repository name must have at least one component');
    if (referenceRegexp.test(s.toLowerCase()))
      throw new InvalidReference('repository name must be lowercase');
    throw new InvalidReference('invalid reference format');
  }
  const name = m[1] ?? '';
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReference(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const out: { name: string; tag?: string; digest?: string } = { name };
  if (m[2] !== undefined) out.tag = m[2];
  if (m[3] !== undefined) out.digest = validateDigest(m[3]);
  return out;
}

/** Docker's splitDockerDomain: the first component is a domain only if it looks like one. */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  if (
    i === -1 ||
    (!/[.:]/.test(name.slice(0, i)) &&
      name.slice(0, i) !== 'localhost' &&
      name.slice(0, i).toLowerCase() === name.slice(0, i))
  ) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = name.slice(0, i);
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/**
 * Parses what a user types (`busybox`, `user/repo:tag`, `host:5000/x@sha256:…`) into a
 * normalised reference, as Docker's ParseNormalizedNamed. No default tag is added.
 */
export function parseNormalizedNamed(s: string): ImageReference {
  if (anchoredIdentifierRegexp.test(s)) {
    throw new InvalidReference(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw new InvalidReference(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  const parsed = parseReference(`${domain}/${remainder}`);
  const nm = anchoredNameRegexp.exec(parsed.name);
  if (!nm) throw new InvalidReference('invalid reference format');
  const ref: { domain: string; path: string; tag?: string; digest?: string } = {
    domain: nm[1] ?? '',
    path: nm[2] ?? '',
  };
  if (parsed.tag !== undefined) ref.tag = parsed.tag;
  if (parsed.digest !== undefined) ref.digest = parsed.digest;
  return ref;
}

/**
 * Docker's ParseDockerRef: normalised, `:latest` added when neither tag nor digest is
 * given, and the tag dropped when a digest is present (the digest is what gets pulled).
 */
export function parseDockerRef(s: string): ImageReference {
  const ref = parseNormalizedNamed(s);
  if (ref.digest !== undefined) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  if (ref.tag === undefined) return { ...ref, tag: DEFAULT_TAG };
  return ref;
}

/** Adds `:latest` when the reference carries neither a tag nor a digest (TagNameOnly). */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** Replaces the tag, keeping the name (the `tag` query parameter of pull and tag). */
export function withTag(ref: ImageReference, tag: string): ImageReference {
  if (!anchoredTagRegexp.test(tag)) throw new InvalidReference('invalid tag format');
  return { domain: ref.domain, path: ref.path, tag };
}

export function withDigest(ref: ImageReference, digest: string): ImageReference {
  validateDigest(digest);
  return { domain: ref.domain, path: ref.path, digest };
}

/** `docker.io/library/busybox` */
export function repositoryName(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  return `${ref.domain}/${ref.path}`;
}

function suffix(ref: ImageReference): string {
  return `${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The full form: `docker.io/library/busybox:latest`. */
export function normalizedString(ref: ImageReference): string {
  return repositoryName(ref) + suffix(ref);
}

/** The short name users see: `busybox`, `user/repo`, `127.0.0.1:5000/x` (FamiliarName). */
export function familiarName(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  const rest = ref.path;
  if (rest.startsWith(OFFICIAL_REPO_PREFIX) && !rest.slice(OFFICIAL_REPO_PREFIX.length).includes('/')) {
    return rest.slice(OFFICIAL_REPO_PREFIX.length);
  }
  return rest;
}

/** `busybox:latest`, `user/repo@sha256:…` (FamiliarString). */
export function familiarString(ref: ImageReference): string {
  return familiarName(ref) + suffix(ref);
}

/** True for a bare 64-hex image id (or a `sha256:` one), which is not a reference. */
export function isImageId(s: string): boolean {
  return anchoredIdentifierRegexp.test(s.startsWith('sha256:') ? s.slice(7) : s);
}
