import { InvalidParameter } from '../../errdefs/index.js';
import type { RegistryClient } from '../registry/client.js';
import type { RegistryAuth } from '../registry/credentials.js';
import {
  type ImageIndex,
  type ImageManifest,
  isIndexMediaType,
  type Platform,
  parseManifestBytes,
} from '../registry/manifest.js';
import { translatePullError } from '../registry/manifest-fetch.js';
import { parseDockerRef } from './reference.js';

/** `GET /distribution/{name}/json` (Docker's registry.DistributionInspect). */
export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number };
  Platforms: (Platform & { 'os.version'?: string })[];
}

const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/**
 * Asks the registry what a reference points at, without pulling: the top-level descriptor,
 * and the platforms (from the index entries, or from the config of a single manifest).
 */
export async function inspectDistribution(
  registry: RegistryClient,
  name: string,
  auth: RegistryAuth | undefined,
  signal?: AbortSignal,
): Promise<DistributionInspect> {
  const ref = parseDockerRef(name);
  const repository = registry.repository(ref, auth ? { auth } : {});
  try {
    const top = await repository.getManifest(ref.digest ?? ref.tag ?? 'latest', signal);
    const Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length };
    const parsed = parseManifestBytes(top.bytes, top.mediaType);
    if (isIndexMediaType(top.mediaType)) {
      const Platforms = (parsed as ImageIndex).manifests
        .map((m) => m.platform)
        .filter((p): p is NonNullable<typeof p> => Boolean(p));
      return { Descriptor, Platforms };
    }
    const config = (parsed as ImageManifest).config;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of repository.openBlob(config, signal ? { signal } : {})) {
      size += (chunk as Buffer).length;
      if (size > MAX_CONFIG_BYTES) throw new InvalidParameter(`image config ${config.digest} is too large`);
      chunks.push(chunk as Buffer);
    }
    const c = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<Platform> & {
      'os.version'?: string;
    };
    const platform: Platform & { 'os.version'?: string } = {
      architecture: c.architecture ?? '',
      os: c.os ?? '',
    };
    if (c.variant) platform.variant = c.variant;
    if (c['os.version']) platform['os.version'] = c['os.version'];
    return { Descriptor, Platforms: [platform] };
  } catch (err) {
    throw translatePullError(err, ref);
  }
}
