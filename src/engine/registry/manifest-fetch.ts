import { InvalidParameter } from '../../errdefs/index.js';
import { checkDescriptor, DigestMismatch, sha256Of } from '../content/digest.js';
import { familiarName, familiarString, type ImageReference } from '../images/reference.js';
import type { RegistryChannel } from './channel.js';
import { failureOf, type RegistryFailure, RegistryNotFound, registryError } from './errors.js';
import { detectMediaType, MANIFEST_ACCEPT, MEDIA_TYPES } from './manifest.js';
import { headerValue } from './transport.js';

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Raw manifest bytes as the registry served them, verified against their digest. */
export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  /** sha256 of the bytes (equal to the requested digest, and to Docker-Content-Digest when sent). */
  digest: string;
}

/** Docker's texts for a failed pull: manifest unknown, repository unknown, access denied. */
export function translatePullError(err: unknown, ref: ImageReference): unknown {
  const failure = (err as { failure?: RegistryFailure } | undefined)?.failure;
  const first = failure?.entries[0];
  if (!failure || !first) return err;
  const cause = err instanceof Error ? err.message : String(err);
  switch (first.code) {
    case 'MANIFEST_UNKNOWN':
      return new RegistryNotFound(`manifest for ${familiarString(ref)} not found: ${cause}`, failure);
    case 'NAME_UNKNOWN':
      return new RegistryNotFound(`repository ${familiarName(ref)} not found: ${cause}`, failure);
    case 'DENIED':
      return new RegistryNotFound(
        `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${cause}`,
        failure,
      );
    default:
      return err;
  }
}

/** GET /v2/<name>/manifests/<tag|digest> with every manifest type accepted. */
export async function fetchManifest(
  channel: RegistryChannel,
  reference: string,
  signal?: AbortSignal,
): Promise<FetchedManifest> {
  const res = await channel.exchange(
    {
      method: 'GET',
      path: `manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      followRedirects: true,
    },
    signal,
  );
  if (res.status !== 200) throw registryError(await failureOf(res));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_MANIFEST_BYTES) {
      res.body.destroy();
      throw new InvalidParameter(
        `manifest ${channel.name}:${reference} is larger than ${MAX_MANIFEST_BYTES} bytes`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  const digest = sha256Of(bytes);
  if (reference.includes(':')) {
    checkDescriptor({ digest: reference }, digest, bytes.length);
  } else {
    const announced = headerValue(res.headers, 'docker-content-digest');
    if (announced?.startsWith('sha256:') && announced !== digest) throw new DigestMismatch(announced, digest);
  }
  return { bytes, mediaType: detectMediaType(headerValue(res.headers, 'content-type'), bytes), digest };
}

/** PUT a manifest; returns the digest the registry reports (checked against the bytes). */
export async function putManifest(
  channel: RegistryChannel,
  reference: string,
  bytes: Buffer,
  mediaType: string = MEDIA_TYPES.dockerManifest,
  signal?: AbortSignal,
): Promise<string> {
  const res = await channel.exchange(
    { method: 'PUT', path: `manifests/${reference}`, headers: { 'content-type': mediaType }, body: bytes },
    signal,
  );
  if (res.status !== 201 && res.status !== 200 && res.status !== 202)
    throw registryError(await failureOf(res));
  await res.body.dump().catch(() => {});
  const computed = sha256Of(bytes);
  const announced = headerValue(res.headers, 'docker-content-digest');
  if (announced?.startsWith('sha256:') && announced !== computed)
    throw new DigestMismatch(computed, announced);
  return announced ?? computed;
}
