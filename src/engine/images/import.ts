import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { applyLayer } from '../layers/apply-layer.js';
import { decompressLayer } from '../layers/extract/decompress.js';
import { hostPlatform } from '../registry/manifest.js';
import { applyChanges } from './import-changes.js';
import { buildManifest, storeLayerBlobs } from './local-image.js';
import { normalizedString, parseNormalizedNamed, withTag } from './reference.js';
import type { TransferContext } from './transfer-context.js';

const log = moduleLogger('import');

export interface ImportOptions {
  /** `repo` (may carry a tag) and `tag`. */
  repo?: string;
  tag?: string;
  /** The commit message (becomes the config's comment). */
  message?: string;
  /** Dockerfile instructions. */
  changes?: string[];
  /** `platform` parameter (os/arch); default this host. */
  platform?: { os: string; architecture: string; variant?: string };
  signal?: AbortSignal;
}

/** Writes a stream to a file, hashing it; returns digest and size. */
async function spool(
  input: Readable,
  path: string,
  signal?: AbortSignal,
): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(input, tap, createWriteStream(path), signal ? { signal } : {});
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** The tag to set, from `repo` and `tag` as Docker combines them (none without a repo). */
function targetTag(options: ImportOptions): string | undefined {
  if (!options.repo) return undefined;
  let ref = parseNormalizedNamed(options.repo);
  if (options.tag) ref = withTag(ref, options.tag);
  if (ref.digest !== undefined) throw new InvalidParameter('cannot import digest reference');
  return normalizedString(ref.tag === undefined ? withTag(ref, 'latest') : ref);
}

/**
 * `POST /images/create?fromSrc=-`: a one-layer image from a root file system tarball
 * (plain, gzip or zstd). The tarball is kept as the layer's blob. Event `import`.
 */
export async function importImage(
  ctx: TransferContext,
  input: Readable,
  options: ImportOptions = {},
): Promise<string> {
  const tag = targetTag(options);
  const created = new Date().toISOString();
  const base = applyChanges({}, options.changes ?? []);
  await mkdir(ctx.tmpDir, { recursive: true });
  const dir = await mkdtemp(join(ctx.tmpDir, 'import-'));
  try {
    const file = join(dir, 'layer');
    const blob = await spool(input, file, options.signal);
    const snapshotter = await ctx.snapshotter();
    const { stream } = await decompressLayer(createReadStream(file), options.signal);
    const applied = await applyLayer(
      snapshotter,
      stream,
      options.signal ? { signal: options.signal } : {},
    ).catch((err: unknown) => {
      stream.destroy();
      throw err;
    });
    const [layer] = await storeLayerBlobs(ctx.content, [{ path: file, ...blob }], options.signal);
    const platform = options.platform ?? hostPlatform();
    const comment = options.message || 'Imported from -';
    const config = {
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      comment,
      config: base,
      created,
      history: [{ created, comment }],
      os: platform.os,
      rootfs: { type: 'layers', diff_ids: [applied.diffId] },
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const { digest: id, size } = await ctx.content.writeBuffer(configBytes);
    const manifest = buildManifest({ digest: id, size }, layer ? [layer] : []);
    await ctx.content.writeBuffer(manifest.bytes);
    await ctx.images.put(id, { manifestDigest: manifest.digest });
    if (tag) await ctx.images.tag(tag, id);
    ctx.bus.publish({ type: 'image', action: 'import', actor: { id, attributes: { name: id } } });
    log.info({ image: id, tag }, 'image imported');
    return id;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
