import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { type ArchiveEntry, readArchiveEntries } from './archive/read-archive.js';
import { spoolArchive } from './archive/spool-archive.js';
import { type ImageConfigFile, parseImageConfig } from './image-config.js';
import { familiarReference } from './image-service.js';
import { applyImageLayers, buildManifest, type LayerFile, storeLayerBlobs } from './local-image.js';
import {
  MessageQueue,
  type ProgressMessage,
  type ProgressSink,
  progressMessage,
  shortLayerId,
} from './progress.js';
import type { TransferContext } from './transfer-context.js';

const log = moduleLogger('load');

/** One line of load's answer: Docker's `stream` lines, and `Loading layer` progress. */
export type LoadMessage = ProgressMessage & { stream?: string };

/** Bytes between two `Loading layer` messages (Docker's progress reader: 512 KiB). */
const PROGRESS_STEP = 512 * 1024;

/**
 * Counts a layer file's bytes as extraction reads them and reports them as Docker's
 * `Loading layer` progress (id: the diff id's 12 first digits), every 512 KiB and at the end.
 */
export function loadingProgress(id: string, total: number, emit: ProgressSink): Transform {
  let current = 0;
  let reported = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      current += chunk.length;
      if (current - reported > PROGRESS_STEP) {
        reported = current;
        emit(progressMessage(id, 'Loading layer', current, total));
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      emit(progressMessage(id, 'Loading layer', current, total));
      callback();
    },
  });
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
 * `POST /images/load`: a docker-archive or OCI layout tar. The archive is read and every
 * image's config checked before this resolves (a bad archive rejects, before any output);
 * then every image's layers are applied (each against its diff id) and blobs stored before
 * any is registered, so a bad archive leaves no image behind. The messages are Docker's:
 * `Loading layer` progress per layer extracted (unless quiet), then `Loaded image: …`.
 * Quiet, the whole load runs before this resolves, so any failure rejects.
 */
export async function loadImages(
  ctx: TransferContext,
  input: Readable,
  options: { quiet?: boolean; signal?: AbortSignal } = {},
): Promise<AsyncIterable<LoadMessage>> {
  const { signal } = options;
  const archive = await spoolArchive(input, ctx.tmpDir, signal);
  let prepared: PreparedImage[];
  try {
    const entries = await readArchiveEntries(archive);
    prepared = [];
    for (const e of entries) prepared.push(await prepare(e));
  } catch (err) {
    await archive.remove();
    throw err;
  }
  const queue = new MessageQueue<LoadMessage>();
  const emit = (m: LoadMessage) => queue.push(m);
  const done = storeImages(ctx, prepared, options.quiet === false ? emit : undefined, signal)
    .then((lines) => {
      for (const l of lines) emit(l);
    })
    .finally(() => archive.remove());
  if (options.quiet !== false) {
    await done;
    queue.end();
    return queue;
  }
  done.then(
    () => queue.end(),
    (err: unknown) => queue.fail(err),
  );
  return queue;
}

async function storeImages(
  ctx: TransferContext,
  prepared: PreparedImage[],
  progress: ProgressSink | undefined,
  signal: AbortSignal | undefined,
): Promise<LoadMessage[]> {
  const snapshotter = await ctx.snapshotter();
  const stored: { image: PreparedImage; manifestDigest: string }[] = [];
  for (const image of prepared) {
    const files: LayerFile[] = image.entry.layers.map((l) => ({
      path: l.file.path,
      digest: l.file.digest,
      size: l.file.size,
      ...(l.mediaType ? { mediaType: l.mediaType } : {}),
    }));
    const diffIds = image.config.rootfs.diff_ids;
    await applyImageLayers(
      snapshotter,
      diffIds,
      (i) => {
        const file = files[i] as LayerFile;
        const raw = createReadStream(file.path);
        if (!progress) return raw;
        const counted = loadingProgress(shortLayerId(diffIds[i] as string), file.size, progress);
        raw.on('error', (err) => counted.destroy(err));
        return raw.pipe(counted);
      },
      signal,
    );
    const descriptors = await storeLayerBlobs(ctx.content, files, signal);
    await ctx.content.write({ digest: image.id, size: image.entry.config.size }, () =>
      createReadStream(image.entry.config.path),
    );
    const manifest =
      image.entry.manifest ?? buildManifest({ digest: image.id, size: image.entry.config.size }, descriptors);
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
}
