import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InvalidParameter } from '../../errdefs/index.js';
import { sha256Of } from '../content/digest.js';
import type { ContentStore } from '../content/store.js';
import { applyLayer, findLayer } from '../layers/apply-layer.js';
import { chainIdOf } from '../layers/chain-id.js';
import { decompressLayer, sniffCompression } from '../layers/extract/decompress.js';
import type { Snapshotter } from '../layers/types.js';
import { type Descriptor, MEDIA_TYPES } from '../registry/manifest.js';

/** A layer blob on local disk (spooled upload), ready to be applied and stored. */
export interface LayerFile {
  path: string;
  digest: string;
  size: number;
  /** From the archive's manifest; sniffed from the bytes when absent. */
  mediaType?: string;
}

/** The media type of a layer blob from its first bytes (Docker's names, OCI for zstd). */
export async function sniffLayerMediaType(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    const c = sniffCompression(head.subarray(0, bytesRead));
    if (c === 'gzip') return MEDIA_TYPES.dockerLayerGzip;
    if (c === 'zstd') return MEDIA_TYPES.ociLayerZstd;
    return 'application/vnd.docker.image.rootfs.diff.tar';
  } finally {
    await handle.close();
  }
}

const OCI_FOR_DOCKER: Record<string, string> = {
  [MEDIA_TYPES.dockerLayerGzip]: MEDIA_TYPES.ociLayerGzip,
  'application/vnd.docker.image.rootfs.diff.tar': MEDIA_TYPES.ociLayer,
};

/**
 * A manifest for a config and layer blobs: Docker schema2, or OCI when a layer has an OCI
 * media type (zstd has no Docker one).
 */
export function buildManifest(config: Required<Pick<Descriptor, 'digest' | 'size'>>, layers: Descriptor[]) {
  const oci = layers.some((l) => l.mediaType.startsWith('application/vnd.oci.'));
  const doc = {
    schemaVersion: 2,
    mediaType: oci ? MEDIA_TYPES.ociManifest : MEDIA_TYPES.dockerManifest,
    config: { mediaType: oci ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig, ...config },
    layers: layers.map((l) => ({
      mediaType: oci ? (OCI_FOR_DOCKER[l.mediaType] ?? l.mediaType) : l.mediaType,
      digest: l.digest,
      size: l.size,
    })),
  };
  const bytes = Buffer.from(JSON.stringify(doc, null, 3));
  return { bytes, digest: sha256Of(bytes), mediaType: doc.mediaType };
}

/**
 * Applies an image's layers in order (skipping those already stored under their chain
 * id), each checked against its diff id; returns the top chain id.
 */
export async function applyImageLayers(
  snapshotter: Snapshotter,
  diffIds: readonly string[],
  openLayer: (index: number) => Readable,
  signal?: AbortSignal,
): Promise<string | undefined> {
  let parent: string | undefined;
  for (let i = 0; i < diffIds.length; i++) {
    const diffId = diffIds[i] as string;
    const chainId = chainIdOf(parent, diffId);
    if (!(await findLayer(snapshotter, chainId))) {
      const { stream } = await decompressLayer(openLayer(i), signal);
      try {
        await applyLayer(snapshotter, stream, {
          ...(parent ? { parent } : {}),
          expectedDiffId: diffId,
          ...(signal ? { signal } : {}),
        });
      } catch (err) {
        stream.destroy();
        if (err instanceof InvalidParameter)
          throw new InvalidParameter(`layer ${i + 1}: ${err.message}`, { cause: err });
        throw err;
      }
    }
    parent = chainId;
  }
  return parent;
}

/** Stores spooled layer files in the content store (verified again on the way in). */
export async function storeLayerBlobs(
  content: ContentStore,
  layers: readonly LayerFile[],
  signal?: AbortSignal,
): Promise<Descriptor[]> {
  const out: Descriptor[] = [];
  for (const l of layers) {
    await content.write(
      { digest: l.digest, size: l.size },
      () => createReadStream(l.path),
      signal ? { signal } : {},
    );
    out.push({
      mediaType: l.mediaType ?? (await sniffLayerMediaType(l.path)),
      digest: l.digest,
      size: l.size,
    });
  }
  return out;
}
