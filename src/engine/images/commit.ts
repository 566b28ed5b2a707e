import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { moduleLogger } from '../../log/index.js';
import { Digester } from '../content/digest.js';
import { applyLayer } from '../layers/apply-layer.js';
import { chainIds } from '../layers/chain-id.js';
import { type Descriptor, MEDIA_TYPES } from '../registry/manifest.js';
import { imageBlobs } from './image-blobs.js';
import type { ImageConfigFile, ImageContainerConfig, ImageHistoryEntry } from './image-config.js';
import { familiarReference, noSuchImage } from './image-service.js';
import { buildManifest } from './local-image.js';
import { teeStream } from './tee.js';
import type { TransferContext } from './transfer-context.js';

const log = moduleLogger('images.commit');

/** What a commit works with (no registry). */
export type CommitContext = Pick<
  TransferContext,
  'content' | 'images' | 'service' | 'snapshotter' | 'bus' | 'tmpDir'
>;

/** The diff id of a tar with no entries (1024 zero bytes): Docker stores no layer for it. */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export interface CommitImageInput {
  /** The image the container was created from (its id), absent for none. */
  parentId?: string;
  /** The container's changes as an uncompressed layer tar; absent for none (a metadata step). */
  layer?: Readable;
  /** The new image's container config (already merged). */
  config: ImageContainerConfig;
  /** The committed container's id: the config's `container`, as Docker writes it. */
  containerId?: string;
  /** The container's own config, before the commit's changes: the config's `container_config`. */
  containerConfig?: ImageContainerConfig;
  /** The history entry's `created_by` (Docker: the container's Cmd joined by spaces). */
  createdBy: string;
  author?: string;
  comment?: string;
  /** Normalised `name:tag` to point at the new image. */
  tag?: string;
  signal?: AbortSignal;
}

/** Hashes what passes (uncompressed or compressed side). */
function counter() {
  const digester = new Digester();
  let size = 0;
  async function* tap(source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      digester.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  }
  return { tap, result: () => ({ digest: digester.digest(), size }) };
}

/** Writes the layer tar gzip-compressed to `file`; returns the diff id and the blob's digest/size. */
async function spoolLayer(layer: Readable, file: string, signal?: AbortSignal) {
  const raw = counter();
  const gz = counter();
  await pipeline(layer, raw.tap, createGzip(), gz.tap, createWriteStream(file), signal ? { signal } : {});
  return { diffId: raw.result().digest, blob: gz.result() };
}

/** The image config document, keys in the order Docker writes them. */
function configDocument(
  parent: ImageConfigFile | undefined,
  input: CommitImageInput,
  diffIds: string[],
  history: ImageHistoryEntry,
  created: string,
): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  if (input.comment) doc.comment = input.comment;
  doc.created = created;
  if (input.author) doc.author = input.author;
  doc.config = input.config;
  // Docker (image.NewChildImage) still records the container and its own config.
  if (input.containerId) doc.container = input.containerId;
  if (input.containerConfig) doc.container_config = input.containerConfig;
  doc.architecture = parent?.architecture || process.arch.replace('x64', 'amd64');
  if (parent?.variant) doc.variant = parent.variant;
  doc.os = parent?.os || 'linux';
  doc.rootfs = { type: 'layers', diff_ids: diffIds };
  doc.history = [...(parent?.history ?? []), history];
  if (parent?.['os.version']) doc['os.version'] = parent['os.version'];
  return doc;
}

/**
 * The container's changes as a layer: gzip-compressed into the content store and extracted
 * into the layer store in one pass. Undefined for an empty diff (no layer, as in Docker).
 */
async function storeLayer(
  ctx: CommitContext,
  input: Readable,
  parentDiffIds: string[],
  dir: string,
  signal: AbortSignal | undefined,
): Promise<(Descriptor & { diffId: string }) | undefined> {
  const file = join(dir, 'layer.tar.gz');
  const snapshotter = await ctx.snapshotter();
  const parentChain = chainIds(parentDiffIds).at(-1);
  const [toBlob, toLayer] = teeStream(input);
  const [spooled, applied] = await Promise.allSettled([
    spoolLayer(toBlob, file, signal),
    applyLayer(snapshotter, toLayer, {
      ...(parentChain ? { parent: parentChain } : {}),
      ...(signal ? { signal } : {}),
    }),
  ]);
  if (spooled.status === 'rejected') {
    toLayer.destroy();
    throw spooled.reason;
  }
  if (applied.status === 'rejected') throw applied.reason;
  const { diffId, blob } = spooled.value;
  if (applied.value.diffId !== diffId)
    throw new Error(`commit: layer diff id mismatch (${applied.value.diffId} applied, ${diffId} stored)`);
  if (diffId === EMPTY_LAYER_DIFF_ID) {
    // Drop the snapshot unless another image has it.
    if (!applied.value.reused) await snapshotter.remove(applied.value.chainId).catch(() => undefined);
    return undefined;
  }
  await ctx.content.write(blob, () => createReadStream(file), signal ? { signal } : {});
  return { mediaType: MEDIA_TYPES.dockerLayerGzip, ...blob, diffId };
}

/**
 * Stores a container's changes as a new image, as `docker commit` does: the layer gzip-compressed
 * in the content store (digest of the blob, diff id of the tar), registered in the layer store
 * under its chain id, the config (parent config, new config, history entry), a manifest when the
 * parent's blobs are all stored (so that push and save work), the parent link and the tag.
 * An empty diff adds no layer (an `empty_layer` history entry). Returns the image id.
 */
export async function commitImage(ctx: CommitContext, input: CommitImageInput): Promise<string> {
  const created = new Date().toISOString();
  const parentRecord = input.parentId ? ctx.images.get(input.parentId) : undefined;
  // The container's image was removed (rmi -f): its layers cannot be described, as in Docker.
  if (input.parentId && !parentRecord) throw noSuchImage(input.parentId);
  const parent = parentRecord ? await ctx.service.configOf(parentRecord.id) : undefined;
  const parentDiffIds = parent?.rootfs.diff_ids ?? [];
  await mkdir(ctx.tmpDir, { recursive: true });
  const dir = await mkdtemp(join(ctx.tmpDir, 'commit-'));
  try {
    const layer = input.layer
      ? await storeLayer(ctx, input.layer, parentDiffIds, dir, input.signal)
      : undefined;
    const empty = layer === undefined;
    const history: ImageHistoryEntry = {
      created,
      ...(input.author ? { author: input.author } : {}),
      ...(input.createdBy ? { created_by: input.createdBy } : {}),
      ...(input.comment ? { comment: input.comment } : {}),
      ...(empty ? { empty_layer: true } : {}),
    };
    const diffIds = layer ? [...parentDiffIds, layer.diffId] : [...parentDiffIds];
    const configBytes = Buffer.from(JSON.stringify(configDocument(parent, input, diffIds, history, created)));
    const { digest: id, size } = await ctx.content.writeBuffer(configBytes);

    // A manifest only when every layer has its blob: the parent's manifest supplies theirs.
    let manifestDigest: string | undefined;
    const parentBlobs =
      parentRecord && parent ? await imageBlobs(ctx.content, parentRecord, parent) : undefined;
    const parentLayers = parentBlobs?.manifest ? parentBlobs.layers.map((l) => l.blob as Descriptor) : [];
    if (!parentRecord || parentBlobs?.manifest) {
      const own: Descriptor[] = layer
        ? [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }]
        : [];
      const manifest = buildManifest({ digest: id, size }, [...parentLayers, ...own]);
      await ctx.content.writeBuffer(manifest.bytes);
      manifestDigest = manifest.digest;
    } else
      log.info({ parent: parentRecord.id }, 'parent image has no stored blobs: no manifest for the commit');

    await ctx.images.put(id, {
      ...(parentRecord ? { parent: parentRecord.id } : {}),
      ...(manifestDigest ? { manifestDigest } : {}),
    });
    if (input.tag) {
      await ctx.images.tag(input.tag, id);
      ctx.bus.publish({
        type: 'image',
        action: 'tag',
        actor: { id, attributes: { name: familiarReference(input.tag) } },
      });
    }
    log.info({ image: id, layer: layer?.diffId ?? 'empty', tag: input.tag }, 'container committed');
    return id;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
