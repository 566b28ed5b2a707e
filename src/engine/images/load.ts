import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { type ArchiveEntry, readArchiveEntries } from './archive/read-archive.js';
import { spoolArchive } from './archive/spool-archive.js';
import { type ImageConfigFile, parseImageConfig } from './image-config.js';
import { familiarReference } from './image-service.js';
import { applyImageLayers, buildManifest, type LayerFile, storeLayerBlobs } from './local-image.js';
import type { TransferContext } from './transfer-context.js';

const log = moduleLogger('load');

/** One line of load's answer (Docker's JSON message `stream` field). */
export interface LoadMessage {
  stream: string;
}

interface PreparedImage {
  entry: ArchiveEntry;
  id: string;
  config: ImageConfigFile;
}

async function prepare(entry: ArchiveEntry): Promise<PreparedImage> {
  let config: ImageConfigFile;
  try {
    config = parseImageConfig(await readFile(entry.config.path));
  } catch (err) {
    throw new InvalidParameter(
      `invalid image archive: the image config is not valid: ${(err as Error).message}`,
    );
  }
  if (config.rootfs.diff_ids.length !== entry.layers.length) {
    throw new InvalidParameter(
      `invalid image archive: the config lists ${config.rootfs.diff_ids.length} layers, the manifest ${entry.layers.length}`,
    );
  }
  return { entry, id: entry.config.digest, config };
}

/**
 * `POST /images/load`: a docker-archive or OCI layout tar. Every image is checked and its
 * layers applied (each against its diff id) and blobs stored before any is registered, so
 * a bad archive leaves no image behind. Returns Docker's `Loaded image: …` lines.
 */
export async function loadImages(
  ctx: TransferContext,
  input: Readable,
  signal?: AbortSignal,
): Promise<LoadMessage[]> {
  const archive = await spoolArchive(input, ctx.tmpDir, signal);
  try {
    const entries = await readArchiveEntries(archive);
    const prepared: PreparedImage[] = [];
    for (const e of entries) prepared.push(await prepare(e));
    const snapshotter = await ctx.snapshotter();
    const stored: { image: PreparedImage; manifestDigest: string }[] = [];
    for (const image of prepared) {
      const files: LayerFile[] = image.entry.layers.map((l) => ({
        path: l.file.path,
        digest: l.file.digest,
        size: l.file.size,
        ...(l.mediaType ? { mediaType: l.mediaType } : {}),
      }));
      await applyImageLayers(
        snapshotter,
        image.config.rootfs.diff_ids,
        (i) => createReadStream(files[i]?.path as string),
        signal,
      );
      const descriptors = await storeLayerBlobs(ctx.content, files, signal);
      await ctx.content.write({ digest: image.id, size: image.entry.config.size }, () =>
        createReadStream(image.entry.config.path),
      );
      const manifest =
        image.entry.manifest ??
        buildManifest({ digest: image.id, size: image.entry.config.size }, descriptors);
      await ctx.content.writeBuffer(manifest.bytes, { digest: manifest.digest, size: manifest.bytes.length });
      stored.push({ image, manifestDigest: manifest.digest });
    }
    const messages: LoadMessage[] = [];
    for (const { image, manifestDigest } of stored) {
      await ctx.images.put(image.id, { manifestDigest });
      ctx.service.forgetConfig(image.id);
      for (const tag of image.entry.tags) {
        const previous = await ctx.images.tag(tag, image.id);
        if (previous && previous !== image.id) {
          messages.push({
            stream: `The image ${familiarReference(tag)} already exists, renaming the old one with ID ${previous} to empty string\n`,
          });
        }
        messages.push({ stream: `Loaded image: ${familiarReference(tag)}\n` });
      }
      if (image.entry.tags.length === 0) messages.push({ stream: `Loaded image ID: ${image.id}\n` });
      const name = image.entry.tags[0];
      ctx.bus.publish({
        type: 'image',
        action: 'load',
        actor: { id: image.id, attributes: { name: name ? familiarReference(name) : image.id } },
      });
    }
    log.info({ images: stored.map((s) => s.image.id) }, 'images loaded');
    return messages;
  } finally {
    await archive.remove();
  }
}
