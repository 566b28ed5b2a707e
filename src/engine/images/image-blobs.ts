import { moduleLogger } from '../../log/index.js';
import type { ContentStore } from '../content/store.js';
import {
  type Descriptor,
  hostPlatform,
  type ImageIndex,
  type ImageManifest,
  isIndexMediaType,
  MEDIA_TYPES,
  platformMatches,
} from '../registry/manifest.js';
import type { ImageConfigFile } from './image-config.js';
import type { ImageRecord } from './image-store.js';

const log = moduleLogger('image-blobs');

/** A stored manifest that describes an image's blobs. */
export interface StoredManifest {
  digest: string;
  bytes: Buffer;
  mediaType: string;
  parsed: ImageManifest;
  /** `domain/path` of the repository it was pulled from (absent for local ones). */
  repository?: string;
}

/** The blobs of one local image: its config, and per layer the stored blob (when there is one). */
export interface ImageBlobs {
  id: string;
  config: Buffer;
  parsedConfig: ImageConfigFile;
  /** A manifest whose config and layer blobs are all in the content store. */
  manifest?: StoredManifest;
  layers: { diffId: string; blob?: Descriptor }[];
}

function parseJson(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function readIfPresent(content: ContentStore, digest: string): Promise<Buffer | undefined> {
  try {
    return (await content.has(digest)) ? await content.readBuffer(digest) : undefined;
  } catch {
    return undefined;
  }
}

function mediaTypeOf(v: Record<string, unknown>): string {
  if (typeof v.mediaType === 'string') return v.mediaType;
  return Array.isArray(v.manifests) ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
}

/** Image manifests reachable from a digest (the manifest itself, or an index's entries, host platform first). */
async function manifestsFrom(
  content: ContentStore,
  digest: string,
): Promise<Omit<StoredManifest, 'repository'>[]> {
  const bytes = await readIfPresent(content, digest);
  const v = bytes && parseJson(bytes);
  if (!bytes || !v) return [];
  const mediaType = mediaTypeOf(v);
  if (!isIndexMediaType(mediaType)) {
    if (!v.config || !Array.isArray(v.layers)) return [];
    return [{ digest, bytes, mediaType, parsed: v as unknown as ImageManifest }];
  }
  const host = hostPlatform();
  const entries = [...((v as unknown as ImageIndex).manifests ?? [])].sort(
    (a, b) => Number(platformMatches(host, b.platform)) - Number(platformMatches(host, a.platform)),
  );
  const out: Omit<StoredManifest, 'repository'>[] = [];
  for (const e of entries) out.push(...(await manifestsFrom(content, e.digest)));
  return out;
}

/**
 * Finds the blobs of an image: the manifest recorded with it (pull, push, load, import), else the
 * manifests of its RepoDigests, keeping the first whose config is this image and whose
 * layer blobs are all stored. Without one, layers carry no blob.
 */
export async function imageBlobs(
  content: ContentStore,
  record: ImageRecord,
  config: ImageConfigFile,
): Promise<ImageBlobs> {
  const configBytes = await content.readBuffer(record.id);
  const diffIds = config.rootfs.diff_ids;
  const candidates: { digest: string; repository?: string }[] = [];
  if (record.manifestDigest) candidates.push({ digest: record.manifestDigest });
  for (const rd of record.repoDigests) {
    const at = rd.lastIndexOf('@');
    if (at > 0) candidates.push({ digest: rd.slice(at + 1), repository: rd.slice(0, at) });
  }
  for (const c of candidates) {
    for (const m of await manifestsFrom(content, c.digest)) {
      if (m.parsed.config?.digest !== record.id || m.parsed.layers.length !== diffIds.length) continue;
      let complete = true;
      for (const l of m.parsed.layers) if (!(await content.has(l.digest))) complete = false;
      if (!complete) continue;
      return {
        id: record.id,
        config: configBytes,
        parsedConfig: config,
        manifest: { ...m, ...(c.repository ? { repository: c.repository } : {}) },
        layers: diffIds.map((diffId, i) => ({ diffId, blob: m.parsed.layers[i] as Descriptor })),
      };
    }
  }
  log.debug({ image: record.id }, 'no stored manifest with every layer blob');
  return {
    id: record.id,
    config: configBytes,
    parsedConfig: config,
    layers: diffIds.map((diffId) => ({ diffId })),
  };
}
