import type { Readable } from 'node:stream';
import { NotImplemented } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { type ArchiveImage, writeImageArchive } from './archive/write-archive.js';
import { imageBlobs } from './image-blobs.js';
import type { ImageRecord } from './image-store.js';
import {
  familiarName,
  familiarString,
  isImageId,
  normalizedString,
  parseNormalizedNamed,
  repositoryName,
} from './reference.js';
import type { TransferContext } from './transfer-context.js';

const log = moduleLogger('save');

type Tag = ArchiveImage['tags'][number];

function tagOf(full: string): Tag {
  const ref = parseNormalizedNamed(full);
  return { full, familiar: familiarString(ref), familiarName: familiarName(ref), tag: ref.tag ?? 'latest' };
}

/** What one name given to save means: the images and the tags to record with them. */
function expandName(ctx: TransferContext, name: string): { record: ImageRecord; tags: string[] }[] {
  if (!isImageId(name)) {
    try {
      const ref = parseNormalizedNamed(name);
      if (ref.tag === undefined && ref.digest === undefined) {
        const repo = repositoryName(ref);
        const tagged = Object.entries(ctx.images.allTags()).filter(([t]) => t.startsWith(`${repo}:`));
        const out = tagged
          .map(([t, id]) => ({ record: ctx.images.get(id), tags: [t] }))
          .filter((x): x is { record: ImageRecord; tags: string[] } => x.record !== undefined);
        if (out.length) return out;
      } else if (ref.tag !== undefined && ref.digest === undefined) {
        return [{ record: ctx.service.findRecord(name), tags: [normalizedString(ref)] }];
      }
    } catch {}
  }
  return [{ record: ctx.service.findRecord(name), tags: [] }];
}

/**
 * `GET /images/{name}/get`, `GET /images/get?names=`: checks every name and that each image
 * has its blobs before the first byte, then streams the archive. Event `save` per image.
 */
export async function saveImages(
  ctx: TransferContext,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<Readable> {
  const byId = new Map<string, { record: ImageRecord; tags: Set<string> }>();
  for (const name of names) {
    for (const { record, tags } of expandName(ctx, name)) {
      const entry = byId.get(record.id) ?? { record, tags: new Set<string>() };
      for (const t of tags) entry.tags.add(t);
      byId.set(record.id, entry);
    }
  }
  const images: ArchiveImage[] = [];
  for (const { record, tags } of byId.values()) {
    const config = await ctx.service.configOf(record.id);
    const blobs = await imageBlobs(ctx.content, record, config);
    if (!blobs.manifest) {
      throw new NotImplemented(
        `image ${record.id} has layers whose original blobs are not stored; saving it is not supported yet`,
      );
    }
    const m = blobs.manifest;
    images.push({
      manifest: {
        digest: m.digest,
        size: m.bytes.length,
        mediaType: m.mediaType,
        config: m.parsed.config,
        layers: m.parsed.layers,
      },
      tags: [...tags].sort().map(tagOf),
    });
  }
  for (const { record, tags } of byId.values()) {
    const first = [...tags][0];
    ctx.bus.publish({
      type: 'image',
      action: 'save',
      actor: { id: record.id, attributes: { name: first ? tagOf(first).familiar : record.id } },
    });
  }
  log.info({ images: [...byId.keys()] }, 'saving images');
  return writeImageArchive(ctx.content, images, signal);
}
