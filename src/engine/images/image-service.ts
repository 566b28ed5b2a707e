import { NotFound } from '../../errdefs/index.js';
import type { ContentStore } from '../content/index.js';
import { chainIds } from '../layers/chain-id.js';
import { type ImageConfigFile, parseImageConfig } from './image-config.js';
import type { ImageRecord, ImageStore } from './image-store.js';
import {
  familiarString,
  isImageId,
  normalizedString,
  parseNormalizedNamed,
  withDefaultTag,
} from './reference.js';

export type { ImageConfigFile } from './image-config.js';

/** An image stored here, as the rest of the engine sees it. */
export interface LocalImage {
  /** `sha256:…`: the digest of the config blob. */
  id: string;
  /** The parsed OCI / Docker image config. */
  config: ImageConfigFile;
  /** Chain id of the top layer (the parent for snapshotter.prepare); undefined for no layers. */
  chainId: string | undefined;
  /** Familiar `name:tag` strings (`busybox:latest`), sorted. */
  repoTags: string[];
  /** Familiar `name@sha256:…` strings. */
  repoDigests: string[];
}

export interface ImageServiceDeps {
  store: ImageStore;
  content: ContentStore;
}

/** Docker's text when a name or id matches no image. */
export function noSuchImage(nameOrId: string): NotFound {
  return new NotFound(`No such image: ${nameOrId}`);
}

/**
 * Looks images up by what users type, as Docker does: a full id (with or without
 * `sha256:`), `name`, `name:tag`, `name@digest`, familiar or full names, then a unique id
 * prefix. Configs are read from the content store once and kept.
 */
export class ImageService {
  private readonly configs = new Map<string, ImageConfigFile>();

  constructor(readonly deps: ImageServiceDeps) {}

  get store(): ImageStore {
    return this.deps.store;
  }

  /** The record matching a name or id; NotFound `No such image: NAME` when none. */
  findRecord(nameOrId: string): ImageRecord {
    const store = this.deps.store;
    if (isImageId(nameOrId)) {
      const id = nameOrId.startsWith('sha256:') ? nameOrId : `sha256:${nameOrId}`;
      const record = store.get(id);
      if (record) return record;
      throw noSuchImage(nameOrId);
    }
    let parseError: unknown;
    try {
      const ref = parseNormalizedNamed(nameOrId);
      if (ref.digest !== undefined) {
        const wanted = `${ref.domain}/${ref.path}@${ref.digest}`;
        const found = store.list().find((r) => r.repoDigests.includes(wanted));
        if (found) return found;
        // `name@sha256:ID` also names an image by its id in Docker.
        const byId = store.get(ref.digest);
        if (byId) return byId;
      } else {
        const target = store.tagTarget(normalizedString(withDefaultTag(ref)));
        const record = target ? store.get(target) : undefined;
        if (record) return record;
      }
    } catch (err) {
      parseError = err;
    }
    const prefix = nameOrId.startsWith('sha256:') ? nameOrId.slice(7) : nameOrId;
    if (/^[a-f0-9]+$/.test(prefix)) {
      const matches = store.findByPrefix(prefix);
      if (matches.length === 1 && matches[0]) return matches[0];
    }
    if (parseError) throw parseError;
    throw noSuchImage(nameOrId);
  }

  /** The image's config (read once from the content store). */
  async configOf(id: string): Promise<ImageConfigFile> {
    const cached = this.configs.get(id);
    if (cached) return cached;
    const config = parseImageConfig(await this.deps.content.readBuffer(id));
    this.configs.set(id, config);
    return config;
  }

  forgetConfig(id: string): void {
    this.configs.delete(id);
  }

  /** Everything the engine needs of an image named by what a user typed. */
  async resolve(nameOrId: string): Promise<LocalImage> {
    return this.describe(this.findRecord(nameOrId));
  }

  async describe(record: ImageRecord): Promise<LocalImage> {
    const config = await this.configOf(record.id);
    return {
      id: record.id,
      config,
      chainId: chainIds(config.rootfs.diff_ids).at(-1),
      repoTags: this.familiarTags(record.id),
      repoDigests: record.repoDigests.map(familiarReference),
    };
  }

  familiarTags(id: string): string[] {
    return this.deps.store.tagsOf(id).map(familiarReference);
  }
}

/** `docker.io/library/busybox:latest` → `busybox:latest` (unchanged if it does not parse). */
export function familiarReference(normalized: string): string {
  try {
    return familiarString(parseNormalizedNamed(normalized));
  } catch {
    return normalized;
  }
}
