import type { Readable } from 'node:stream';
import { Cancelled, InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { ContentStore } from '../content/index.js';
import type { EventBus } from '../events/bus.js';
import { applyLayer, findLayer } from '../layers/apply-layer.js';
import { chainIds } from '../layers/chain-id.js';
import { decompressLayer } from '../layers/extract/decompress.js';
import type { Snapshotter } from '../layers/types.js';
import type { RegistryClient } from '../registry/client.js';
import type { RegistryAuth } from '../registry/credentials.js';
import type { Descriptor } from '../registry/manifest.js';
import type { RegistryRepository, ResolvedImage } from '../registry/repository.js';
import { type ImageConfigFile, parseImageConfig } from './image-config.js';
import type { ImageStore } from './image-store.js';
import { TaskPool } from './layer-pool.js';
import {
  MessageQueue,
  type ProgressMessage,
  type ProgressSink,
  progressMessage,
  shortLayerId,
} from './progress.js';
import {
  familiarName,
  familiarString,
  type ImageReference,
  normalizedString,
  repositoryName,
} from './reference.js';
import { teeStream } from './tee.js';

const log = moduleLogger('images.pull');

export interface PullDeps {
  content: ContentStore;
  snapshotter: Snapshotter;
  store: ImageStore;
  registry: RegistryClient;
  bus: EventBus;
  /** daemon.json `max-concurrent-downloads` (default 3). */
  maxConcurrentDownloads: number;
  /** Tells the sweep and prune that a pull is running (released when it ends). */
  track?: (id: Promise<unknown>) => void;
}

export interface PullRequest {
  /** Tag or digest set (the caller adds `latest`). */
  ref: ImageReference;
  platform?: string;
  auth?: RegistryAuth;
}

export interface PullResult {
  id: string;
  digest: string;
  downloaded: boolean;
}

/**
 * `Downloading` messages of one layer: after at least this many bytes and this long since the
 * last one (or at the end), as Docker's progress reader (512 KiB, 100 ms): a message costs a
 * JSON line through the API stream, and the CLI redraws no faster.
 */
const PROGRESS_STEP = 512 * 1024;
const PROGRESS_INTERVAL_MS = 100;

/**
 * Pulls an image. Resolves the manifest first (errors there reject, before any message, so
 * the API can answer a proper status), then returns the stream of Docker's progress
 * messages; an error later ends that stream with the error (the caller writes errorDetail).
 */
export async function startPull(
  deps: PullDeps,
  req: PullRequest,
  signal: AbortSignal,
): Promise<{ messages: AsyncIterable<ProgressMessage>; done: Promise<PullResult> }> {
  const { repository, image } = await deps.registry.resolve(req.ref, {
    ...(req.auth ? { auth: req.auth } : {}),
    ...(req.platform ? { platform: req.platform } : {}),
    signal,
  });
  const queue = new MessageQueue<ProgressMessage>();
  const done = runPull(deps, req, repository, image, (m) => queue.push(m), signal);
  deps.track?.(done);
  done.then(
    () => queue.end(),
    (err: unknown) => queue.fail(err),
  );
  done.catch(() => undefined);
  return { messages: queue, done };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function runPull(
  deps: PullDeps,
  req: PullRequest,
  repository: RegistryRepository,
  image: ResolvedImage,
  emit: ProgressSink,
  signal: AbortSignal,
): Promise<PullResult> {
  const { ref } = req;
  emit({ status: `Pulling from ${ref.path}`, id: ref.digest ?? ref.tag ?? 'latest' });
  const manifest = image.parsed;
  const id = manifest.config.digest;

  // The manifest (and index) bytes are kept: push and save need them as served.
  await deps.content.writeBuffer(image.manifest.bytes);
  if (image.index) await deps.content.writeBuffer(image.index.bytes);

  let configBytes: Buffer;
  if (await deps.content.has(id)) configBytes = await deps.content.readBuffer(id);
  else {
    configBytes = await readAll(repository.openBlob(manifest.config, { signal }));
    await deps.content.write(manifest.config, configBytes, { signal, sourceVerifies: true });
  }
  let config: ImageConfigFile;
  try {
    config = parseImageConfig(configBytes);
  } catch (err) {
    throw new InvalidParameter(`invalid image config ${id}: ${(err as Error).message}`);
  }
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new InvalidParameter(
      `image ${id}: the config lists ${diffIds.length} layers, the manifest ${manifest.layers.length}`,
    );
  }
  const chain = chainIds(diffIds);
  const existed = deps.store.get(id) !== undefined;

  const layerJobs = await fetchLayers(deps, repository, manifest.layers, diffIds, chain, emit, signal);
  const downloaded = layerJobs.some((d) => d);

  const repoDigest = `${repositoryName(ref)}@${image.digest}`;
  await deps.store.put(id, { repoDigest, manifestDigest: image.manifest.digest });
  let retagged = false;
  if (ref.tag !== undefined && ref.digest === undefined) {
    const before = deps.store.tagTarget(normalizedString(ref));
    await deps.store.tag(normalizedString(ref), id);
    retagged = before !== id;
  }
  emit({ status: `Digest: ${image.digest}` });
  const fresh = downloaded || !existed || retagged;
  emit({
    status: fresh
      ? `Status: Downloaded newer image for ${familiarString(ref)}`
      : `Status: Image is up to date for ${familiarString(ref)}`,
  });
  deps.bus.publish({
    type: 'image',
    action: 'pull',
    actor: {
      id: familiarString(ref),
      attributes: { name: familiarName(ref), ...(config.config?.Labels ?? {}) },
    },
  });
  log.info({ ref: normalizedString(ref), id, digest: image.digest }, 'image pulled');
  return { id, digest: image.digest, downloaded: fresh };
}

/**
 * Downloads and extracts the layers: up to N downloads at once; a layer whose parent is
 * committed when its download starts streams straight from the registry into both the
 * content store and extraction; one whose parent is still being extracted is downloaded into
 * the content store and extracted from there once the parent is ready.
 * Returns, per layer, whether it was downloaded.
 */
async function fetchLayers(
  deps: PullDeps,
  repository: RegistryRepository,
  layers: Descriptor[],
  diffIds: string[],
  chain: string[],
  emit: ProgressSink,
  outerSignal: AbortSignal,
): Promise<boolean[]> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  outerSignal.addEventListener('abort', abort, { once: true });
  const signal = controller.signal;
  const pool = new TaskPool(Math.max(1, deps.maxConcurrentDownloads));

  const present: boolean[] = [];
  for (const [i, layer] of layers.entries()) {
    const have = (await findLayer(deps.snapshotter, chain[i] as string)) !== undefined;
    const blob = await deps.content.has(layer.digest);
    present.push(have && blob);
    emit({
      status: have && blob ? 'Already exists' : 'Pulling fs layer',
      progressDetail: {},
      id: shortLayerId(layer.digest),
    });
  }

  // committed[i] settles when layer i's chain id is a committed snapshot.
  const committed: Promise<void>[] = [];
  const ready: boolean[] = layers.map(() => false);
  const jobs: Promise<boolean>[] = [];
  for (const [i, layer] of layers.entries()) {
    const short = shortLayerId(layer.digest);
    const parent = i === 0 ? undefined : chain[i - 1];
    const parentReady = i === 0 ? Promise.resolve() : (committed[i - 1] as Promise<void>);
    const chainId = chain[i] as string;
    const diffId = diffIds[i] as string;
    const job = (async (): Promise<boolean> => {
      if (present[i]) {
        await parentReady;
        return false;
      }
      const layerPresent = (await findLayer(deps.snapshotter, chainId)) !== undefined;
      const streamDirect = await pool.run(
        async () => {
          signal.throwIfAborted();
          const direct = !layerPresent && (i === 0 || ready[i - 1] === true);
          let received = 0;
          let lastReported = 0;
          let lastReportedAt = 0;
          const total = layer.size;
          const source = repository.openBlob(layer, {
            signal,
            onProgress: (bytes) => {
              received = bytes;
              if (received - lastReported < PROGRESS_STEP && received !== total) return;
              const now = performance.now();
              if (now - lastReportedAt < PROGRESS_INTERVAL_MS && received !== total) return;
              lastReported = received;
              lastReportedAt = now;
              emit(progressMessage(short, 'Downloading', received, total));
            },
          });
          if (!direct) {
            await deps.content.write(layer, source, { signal, sourceVerifies: true });
            emit({ status: 'Verifying Checksum', progressDetail: {}, id: short });
            emit({ status: 'Download complete', progressDetail: {}, id: short });
            return false;
          }
          await extract(deps, source, layer, { parent, diffId, chainId, short, signal, emit });
          return true;
        },
        () => emit({ status: 'Waiting', progressDetail: {}, id: short }),
      );
      if (!streamDirect) {
        await parentReady;
        if (!layerPresent) {
          const stream = await deps.content.readStream(layer.digest);
          emit(progressMessage(short, 'Extracting', 0, layer.size));
          await applyOne(deps, stream, { parent, diffId, chainId, signal });
          emit(progressMessage(short, 'Extracting', layer.size, layer.size));
        }
        emit({ status: 'Pull complete', progressDetail: {}, id: short });
      }
      return true;
    })();
    const settled = job.then(() => {
      ready[i] = true;
    });
    committed.push(settled);
    settled.catch(() => abort());
    jobs.push(job);
  }
  try {
    const results = await Promise.allSettled(jobs);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      if (outerSignal.aborted) throw new Cancelled('pull cancelled', { cause: failed.reason });
      // The first real error, not the aborts it caused in the other layers.
      const real = results.find(
        (r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof Cancelled),
      );
      throw (real ?? failed).reason;
    }
    return results.map((r) => (r as PromiseFulfilledResult<boolean>).value);
  } finally {
    outerSignal.removeEventListener('abort', abort);
  }
}

interface ExtractTarget {
  parent: string | undefined;
  diffId: string;
  chainId: string;
  short: string;
  signal: AbortSignal;
  emit: ProgressSink;
}

/** The streaming path: registry bytes teed into the content store and into extraction. */
async function extract(deps: PullDeps, source: Readable, layer: Descriptor, t: ExtractTarget): Promise<void> {
  const keepBlob = !(await deps.content.has(layer.digest));
  const [toStore, toExtract] = keepBlob ? teeStream(source) : [undefined, source];
  // The registry stream hashes the blob and errors at its end on a mismatch: that error
  // reaches both branches, so the store does not hash it again.
  const storing = toStore
    ? deps.content.write(layer, toStore, { signal: t.signal, sourceVerifies: true })
    : Promise.resolve();
  const applying = applyOne(deps, toExtract, t);
  const [stored, applied] = await Promise.allSettled([storing, applying]);
  if (applied.status === 'rejected') {
    toStore?.destroy();
    toExtract.destroy();
    source.destroy();
    throw applied.reason;
  }
  if (stored.status === 'rejected') throw stored.reason;
  t.emit({ status: 'Verifying Checksum', progressDetail: {}, id: t.short });
  t.emit({ status: 'Download complete', progressDetail: {}, id: t.short });
  t.emit(progressMessage(t.short, 'Extracting', layer.size, layer.size));
  t.emit({ status: 'Pull complete', progressDetail: {}, id: t.short });
}

async function applyOne(
  deps: PullDeps,
  blob: Readable,
  t: { parent: string | undefined; diffId: string; chainId: string; signal: AbortSignal },
): Promise<void> {
  const { stream } = await decompressLayer(blob, t.signal);
  blob.on('error', (err) => stream.destroy(err));
  const applied = await applyLayer(deps.snapshotter, stream, {
    ...(t.parent ? { parent: t.parent } : {}),
    expectedDiffId: t.diffId,
    signal: t.signal,
  });
  if (applied.chainId !== t.chainId) {
    throw new InvalidParameter(`layer chain id mismatch: expected ${t.chainId}, got ${applied.chainId}`);
  }
}
