import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { moduleLogger } from '../../../log/index.js';
import type { ContentStore } from '../../content/store.js';
import { type Descriptor, MEDIA_TYPES } from '../../registry/manifest.js';
import {
  ANNOTATION_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  type ArchiveManifestEntry,
  blobPath,
  INDEX_FILE,
  MANIFEST_FILE,
  OCI_LAYOUT_CONTENT,
  OCI_LAYOUT_FILE,
  REPOSITORIES_FILE,
} from './layout.js';

const log = moduleLogger('save');

/** One image to write: its manifest (stored in the content store with every blob it names). */
export interface ArchiveImage {
  manifest: { digest: string; size: number; mediaType: string; config: Descriptor; layers: Descriptor[] };
  /** Tags to record, each as full and familiar forms. */
  tags: { full: string; familiar: string; familiarName: string; tag: string }[];
}

const MTIME = new Date(0);

function addBuffer(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: data.length, mode: 0o644, mtime: MTIME }, data, (err) =>
      err ? reject(err) : resolve(),
    );
  });
}

function addDir(pack: tar.Pack, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, type: 'directory', mode: 0o755, mtime: MTIME }, (err) =>
      err ? reject(err) : resolve(),
    );
  });
}

async function addBlob(
  pack: tar.Pack,
  content: ContentStore,
  digest: string,
  signal?: AbortSignal,
): Promise<void> {
  const { size } = await content.info(digest);
  const source = await content.readStream(digest);
  let done: () => void = () => {};
  let failed: (err: Error) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const entry = pack.entry({ name: blobPath(digest), size, mode: 0o644, mtime: MTIME }, (err) =>
    err ? failed(err) : done(),
  );
  try {
    for await (const chunk of source) {
      signal?.throwIfAborted();
      if (!entry.write(chunk as Buffer)) await new Promise<void>((resolve) => entry.once('drain', resolve));
    }
  } catch (err) {
    source.destroy();
    throw err;
  }
  entry.end(undefined);
  await finished;
}

/**
 * Streams a Docker 25+ image archive: an OCI image layout (`oci-layout`, `index.json`,
 * `blobs/sha256/…` for manifests, configs and layers, each written once) plus the
 * docker-archive `manifest.json` and `repositories` pointing into `blobs/`. Loadable by
 * Docker (old and new), containerd and skopeo. Bytes are read from the content store as
 * the tar is consumed.
 */
export function writeImageArchive(
  content: ContentStore,
  images: readonly ArchiveImage[],
  signal?: AbortSignal,
): Readable {
  const pack = tar.pack();
  const run = async () => {
    await addDir(pack, 'blobs/');
    await addDir(pack, 'blobs/sha256/');
    const written = new Set<string>();
    const index: Descriptor[] = [];
    const manifestJson: ArchiveManifestEntry[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const image of images) {
      const m = image.manifest;
      for (const d of [m.digest, m.config.digest, ...m.layers.map((l) => l.digest)]) {
        if (written.has(d)) continue;
        signal?.throwIfAborted();
        await addBlob(pack, content, d, signal);
        written.add(d);
      }
      const base = { mediaType: m.mediaType, digest: m.digest, size: m.size };
      if (image.tags.length === 0) index.push(base);
      for (const t of image.tags) {
        index.push({
          ...base,
          annotations: { [ANNOTATION_IMAGE_NAME]: t.full, [ANNOTATION_REF_NAME]: t.tag },
        });
        const top = m.layers.at(-1);
        if (top) {
          const repo = repositories[t.familiarName] ?? {};
          repo[t.tag] = top.digest.split(':')[1] ?? '';
          repositories[t.familiarName] = repo;
        }
      }
      manifestJson.push({
        Config: blobPath(m.config.digest),
        RepoTags: image.tags.length ? image.tags.map((t) => t.familiar) : null,
        Layers: m.layers.map((l) => blobPath(l.digest)),
      });
    }
    const indexDoc = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: index };
    await addBuffer(pack, INDEX_FILE, Buffer.from(`${JSON.stringify(indexDoc)}\n`));
    await addBuffer(pack, MANIFEST_FILE, Buffer.from(`${JSON.stringify(manifestJson)}\n`));
    await addBuffer(pack, OCI_LAYOUT_FILE, Buffer.from(OCI_LAYOUT_CONTENT));
    if (Object.keys(repositories).length)
      await addBuffer(pack, REPOSITORIES_FILE, Buffer.from(`${JSON.stringify(repositories)}\n`));
    pack.finalize();
  };
  run().catch((err: unknown) => {
    log.warn({ err }, 'writing the image archive failed');
    pack.destroy(err as Error);
  });
  return Readable.from(pack);
}
