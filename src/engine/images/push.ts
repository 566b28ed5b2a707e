import { Transform } from 'node:stream';
import { NotFound, NotImplemented } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { RegistryAuth } from '../registry/credentials.js';
import type { Descriptor } from '../registry/manifest.js';
import type { RegistryRepository } from '../registry/repository.js';
import { type ImageBlobs, imageBlobs } from './image-blobs.js';
import type { ImageRecord } from './image-store.js';
import { TaskPool } from './layer-pool.js';
import { buildManifest } from './local-image.js';
import { MessageQueue, type ProgressMessage, progressMessage, shortLayerId } from './progress.js';
import {
  familiarName,
  type ImageReference,
  normalizedString,
  parseNormalizedNamed,
  repositoryName,
  withTag,
} from './reference.js';
import type { TransferContext } from './transfer-context.js';

const log = moduleLogger('push');

/** Minimum bytes between two `Pushing` messages of one layer. */
const PROGRESS_STEP = 512 * 1024;

interface PushTarget {
  ref: ImageReference & { tag: string };
  record: ImageRecord;
  blobs: ImageBlobs;
}

/** The tags to push: the one asked for, or every local tag of the repository (sorted). */
async function targets(ctx: TransferContext, name: string, tag: string | undefined): Promise<PushTarget[]> {
  const parsed = parseNormalizedNamed(name);
  const repo = repositoryName(parsed);
  let tags: string[];
  const wanted = tag || parsed.tag;
  if (wanted) tags = [wanted];
  else
    tags = Object.keys(ctx.images.allTags())
      .filter((t) => t.startsWith(`${repo}:`))
      .map((t) => t.slice(repo.length + 1))
      .sort();
  const out: PushTarget[] = [];
  for (const t of tags) {
    const ref = withTag(parsed, t) as ImageReference & { tag: string };
    const id = ctx.images.tagTarget(normalizedString(ref));
    const record = id ? ctx.images.get(id) : undefined;
    if (!record) continue;
    const config = await ctx.service.configOf(record.id);
    const blobs = await imageBlobs(ctx.content, record, config);
    if (blobs.layers.some((l) => !l.blob)) {
      throw new NotImplemented(
        `image ${record.id} has layers whose original blobs are not stored; pushing it is not supported yet`,
      );
    }
    out.push({ ref, record, blobs });
  }
  if (out.length === 0)
    throw new NotFound(`An image does not exist locally with the tag: ${familiarName(parsed)}`);
  return out;
}

/** Other repositories of the same registry that hold the image's blobs (for cross-repository mounts). */
function mountSources(t: PushTarget): string[] {
  const here = repositoryName(t.ref);
  const out = new Set<string>();
  for (const rd of [
    ...(t.blobs.manifest?.repository ? [`${t.blobs.manifest.repository}@`] : []),
    ...t.record.repoDigests,
  ]) {
    const repo = rd.slice(0, rd.lastIndexOf('@'));
    const slash = repo.indexOf('/');
    if (repo !== here && repo.slice(0, slash) === t.ref.domain) out.add(repo.slice(slash + 1));
  }
  return [...out];
}

async function pushLayer(
  ctx: TransferContext,
  repository: RegistryRepository,
  layer: { diffId: string; blob: Descriptor },
  sources: string[],
  emit: (m: ProgressMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const id = shortLayerId(layer.diffId);
  const { digest, size } = layer.blob;
  if (await repository.statBlob(digest, signal)) {
    emit({ status: 'Layer already exists', progressDetail: {}, id });
    return;
  }
  let uploadUrl: string | undefined;
  for (const from of sources) {
    const mounted = await repository.mountBlob(digest, from, signal).catch((err: unknown) => {
      log.debug({ err, digest, from }, 'cross-repository mount failed');
      return undefined;
    });
    if (mounted?.mounted) {
      emit({ status: `Mounted from ${from}`, progressDetail: {}, id });
      return;
    }
    if (mounted) {
      uploadUrl = mounted.uploadUrl;
      break;
    }
  }
  let sent = 0;
  let reported = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      if (sent - reported >= PROGRESS_STEP || sent === size) {
        reported = sent;
        emit(progressMessage(id, 'Pushing', sent, size));
      }
      cb(null, chunk);
    },
  });
  await repository.uploadBlob(
    { digest, size },
    async () => {
      sent = 0;
      reported = 0;
      const source = await ctx.content.readStream(digest);
      source.on('error', (err) => counter.destroy(err));
      return source.pipe(counter);
    },
    { ...(uploadUrl ? { uploadUrl } : {}), signal },
  );
  emit({ status: 'Pushed', progressDetail: {}, id });
}

async function pushOne(
  ctx: TransferContext,
  t: PushTarget,
  auth: RegistryAuth | undefined,
  emit: (m: ProgressMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const repository = ctx.registry.repository(t.ref, { ...(auth ? { auth } : {}), push: true });
  const layers = t.blobs.layers as { diffId: string; blob: Descriptor }[];
  for (const l of layers) emit({ status: 'Preparing', progressDetail: {}, id: shortLayerId(l.diffId) });
  const sources = mountSources(t);
  // Each distinct blob once, up to max-concurrent-uploads at a time (Docker's default 5).
  const distinct = [...new Map(layers.map((l) => [l.blob.digest, l])).values()];
  const pool = new TaskPool(Math.max(1, ctx.maxConcurrentUploads));
  const results = await Promise.allSettled(
    distinct.map((l) =>
      pool.run(
        () => pushLayer(ctx, repository, l, sources, emit, signal),
        () => emit({ status: 'Waiting', progressDetail: {}, id: shortLayerId(l.diffId) }),
      ),
    ),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const configSize = t.blobs.config.length;
  if (!(await repository.statBlob(t.record.id, signal)))
    await repository.uploadBlob({ digest: t.record.id, size: configSize }, t.blobs.config, { signal });
  const manifest = t.blobs.manifest
    ? {
        bytes: t.blobs.manifest.bytes,
        mediaType: t.blobs.manifest.mediaType,
        digest: t.blobs.manifest.digest,
      }
    : buildManifest(
        { digest: t.record.id, size: configSize },
        layers.map((l) => l.blob),
      );
  const digest = await repository.putManifest(t.ref.tag, manifest.bytes, manifest.mediaType, signal);
  if (!t.blobs.manifest) await ctx.content.writeBuffer(manifest.bytes);
  await ctx.images.put(t.record.id, {
    repoDigest: `${repositoryName(t.ref)}@${digest}`,
    ...(t.record.manifestDigest ? {} : { manifestDigest: manifest.digest }),
  });
  emit({ status: `${t.ref.tag}: digest: ${digest} size: ${manifest.bytes.length}` });
  emit({ progressDetail: {}, aux: { Tag: t.ref.tag, Digest: digest, Size: manifest.bytes.length } });
  const name = `${familiarName(t.ref)}:${t.ref.tag}`;
  ctx.bus.publish({ type: 'image', action: 'push', actor: { id: name, attributes: { name } } });
  log.info({ image: t.record.id, ref: normalizedString(t.ref), digest }, 'image pushed');
}

/**
 * `POST /images/{name}/push`: finds the local tags first (NotFound rejects, before any
 * output), then streams Docker's push messages; a later failure ends the stream with it.
 */
export async function startPush(
  ctx: TransferContext,
  request: { name: string; tag?: string; auth?: RegistryAuth },
  signal: AbortSignal,
): Promise<AsyncIterable<ProgressMessage>> {
  const list = await targets(ctx, request.name, request.tag);
  const queue = new MessageQueue<ProgressMessage>();
  const first = list[0] as PushTarget;
  queue.push({ status: `The push refers to repository [${repositoryName(first.ref)}]` });
  (async () => {
    for (const t of list) await pushOne(ctx, t, request.auth, (m) => queue.push(m), signal);
  })().then(
    () => queue.end(),
    (err: unknown) => {
      log.info({ err, name: request.name }, 'push failed');
      queue.fail(err);
    },
  );
  return queue;
}
