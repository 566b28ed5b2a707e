import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImagesBackend, PullStart } from '../../api/backends.js';
import type { DaemonConfig } from '../../config/schema.js';
import { spreadSubfolders } from '../../drivers/file-attributes.js';
import { Conflict, InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { ImageDeleteItem, ImagePruneReport, ImageSummary } from '../../types/image.js';
import { ContentStore } from '../content/index.js';
import type { EventBus } from '../events/bus.js';
import { parseEventTimestamp } from '../events/timestamp.js';
import { EXTRACT_KEY_PREFIX } from '../layers/apply-layer.js';
import { chainIds } from '../layers/chain-id.js';
import { createSnapshotter } from '../layers/create-snapshotter.js';
import type { Snapshotter, StorageDriverName } from '../layers/types.js';
import { RegistryClient } from '../registry/client.js';
import { decodeRegistryAuthHeader } from '../registry/credentials.js';
import { removeImage } from './image-remove.js';
import { ImageService } from './image-service.js';
import { ImageStore } from './image-store.js';
import {
  checkFilterKeys,
  globMatch,
  IMAGE_LIST_FILTERS,
  imageHistory,
  inspectImage,
  layerSize,
  matchLabels,
  parseDangling,
  summarizeImage,
  type ViewDeps,
} from './image-views.js';
import { startPull } from './pull.js';
import {
  familiarName,
  familiarString,
  type ImageReference,
  isImageId,
  normalizedString,
  parseNormalizedNamed,
  withDefaultTag,
  withDigest,
  withTag,
} from './reference.js';

const log = moduleLogger('images');

export interface ImagesModuleOptions {
  dataRoot: string;
  driver: StorageDriverName;
  bus: EventBus;
  /** The daemon's current configuration (read at each pull: reloads apply). */
  daemonConfig: () => DaemonConfig;
}

/**
 * The images module: content store, layer store, image index and the operations on them.
 * Implements the API's ImagesBackend.
 */
export class ImagesModule implements ImagesBackend {
  readonly content: ContentStore;
  readonly snapshotter: Snapshotter;
  readonly store: ImageStore;
  readonly service: ImageService;
  /** Ids of the containers using an image; the containers module replaces it. */
  imageUsers: (imageId: string) => string[] = () => [];
  private readonly pulls = new Set<Promise<unknown>>();

  private constructor(private readonly options: ImagesModuleOptions) {
    this.content = new ContentStore(options.dataRoot);
    this.snapshotter = createSnapshotter(options.dataRoot, options.driver);
    this.store = new ImageStore(join(options.dataRoot, 'images'));
    this.service = new ImageService({ store: this.store, content: this.content });
  }

  /** Opens the stores and sweeps what an interrupted pull left (ingest, half-extracted layers). */
  static async init(options: ImagesModuleOptions): Promise<ImagesModule> {
    const m = new ImagesModule(options);
    await mkdir(join(options.dataRoot, 'images'), { recursive: true });
    await m.content.init();
    await m.store.load();
    await m.sweepLayers();
    // Off the start-up path: it only decides where new layer folders are placed on disk.
    const layersRoot = join(options.dataRoot, 'layers', m.snapshotter.driver);
    void spreadSubfolders(layersRoot).then((done) =>
      log.debug({ dir: layersRoot, done }, 'layer folders spread over block groups'),
    );
    return m;
  }

  private get views(): ViewDeps {
    return { service: this.service, snapshotter: this.snapshotter, dataRoot: this.options.dataRoot };
  }

  /** Removes `extract-*` snapshots and `.tmp-*` folders an interrupted pull left. */
  async sweepLayers(): Promise<void> {
    const doomed: string[] = [];
    await this.snapshotter.walk((info) => {
      if (info.key.startsWith(EXTRACT_KEY_PREFIX)) doomed.push(info.key);
    });
    for (const key of doomed) await this.snapshotter.remove(key).catch(() => undefined);
    const root = join(this.options.dataRoot, 'layers', this.snapshotter.driver);
    const names = await readdir(root).catch(() => [] as string[]);
    const tmp = names.filter((n) => n.startsWith('.tmp-'));
    for (const n of tmp) await rm(join(root, n), { recursive: true, force: true });
    if (doomed.length || tmp.length)
      log.info({ snapshots: doomed.length, folders: tmp.length }, 'removed leftovers of interrupted pulls');
  }

  private registry(): RegistryClient {
    const c = this.options.daemonConfig();
    return new RegistryClient({
      mirrors: c['registry-mirrors'] ?? [],
      insecureRegistries: c['insecure-registries'] ?? [],
    });
  }

  async pull(
    query: { fromImage: string; tag?: string; platform?: string; registryAuth?: string },
    signal: AbortSignal,
  ): Promise<PullStart> {
    const ref = pullReference(query.fromImage, query.tag);
    const auth = decodeRegistryAuthHeader(query.registryAuth);
    const { messages } = await startPull(
      {
        content: this.content,
        snapshotter: this.snapshotter,
        store: this.store,
        registry: this.registry(),
        bus: this.options.bus,
        maxConcurrentDownloads: this.options.daemonConfig()['max-concurrent-downloads'] ?? 3,
        track: (p) => {
          this.pulls.add(p);
          p.then(
            () => this.pulls.delete(p),
            () => this.pulls.delete(p),
          );
        },
      },
      { ref, ...(query.platform ? { platform: query.platform } : {}), ...(auth ? { auth } : {}) },
      signal,
    );
    return { messages };
  }

  async list(query: {
    all: boolean;
    digests: boolean;
    filters: Record<string, string[]>;
    containers?: boolean;
  }): Promise<ImageSummary[]> {
    const f = query.filters;
    checkFilterKeys(f, IMAGE_LIST_FILTERS);
    const dangling = parseDangling(f.dangling ?? []);
    const createdOf = async (name: string) =>
      Date.parse((await this.service.configOf(this.service.findRecord(name).id)).created ?? '') || 0;
    const before = f.before?.[0] !== undefined ? await createdOf(f.before[0]) : undefined;
    const since = f.since?.[0] !== undefined ? await createdOf(f.since[0]) : undefined;
    const until = f.until?.[0] !== undefined ? parseEventTimestamp(f.until[0], 'until') / 1e6 : undefined;
    const out: ImageSummary[] = [];
    const parents = new Set(this.store.list().map((r) => r.parent));
    for (const record of this.store.list()) {
      const config = await this.service.configOf(record.id).catch(() => undefined);
      if (!config) continue;
      const tags = this.store.tagsOf(record.id);
      // An untagged image with children is an intermediate one (a build step's): listed with
      // `all` only, and never dangling (as Docker).
      const intermediate = tags.length === 0 && record.repoDigests.length === 0 && parents.has(record.id);
      if (intermediate && (!query.all || dangling === true)) continue;
      if (dangling !== undefined && dangling !== (tags.length === 0)) continue;
      if (f.label && !matchLabels(config.config?.Labels ?? {}, f.label)) continue;
      const created = Date.parse(config.created ?? '') || 0;
      if (before !== undefined && created >= before) continue;
      if (since !== undefined && created <= since) continue;
      if (until !== undefined && created > until) continue;
      const summary = await summarizeImage(
        this.views,
        record,
        query.containers ? this.imageUsers(record.id).length : -1,
      );
      if (f.reference?.length) {
        const matching = summary.RepoTags.filter((t) => {
          const ref = parseNormalizedNamed(t);
          return f.reference?.some(
            (p) => globMatch(p, familiarString(ref)) || globMatch(p, familiarName(ref)),
          );
        });
        if (matching.length === 0) continue;
        summary.RepoTags = matching;
      }
      out.push(summary);
    }
    return out.sort((a, b) => b.Created - a.Created);
  }

  async inspect(name: string) {
    return inspectImage(this.views, this.service.findRecord(name));
  }

  async history(name: string) {
    return imageHistory(this.views, this.service.findRecord(name));
  }

  async tag(name: string, repo: string, tag: string | undefined): Promise<void> {
    const record = this.service.findRecord(name);
    if (isImageId(repo))
      throw new InvalidParameter(
        `invalid repository name (${repo}), cannot specify 64-byte hexadecimal strings`,
      );
    let ref = parseNormalizedNamed(repo);
    if (tag) ref = withTag(ref, tag);
    if (ref.digest !== undefined)
      throw new InvalidParameter('refusing to create a tag with a digest reference');
    ref = withDefaultTag(ref);
    await this.store.tag(normalizedString(ref), record.id);
    this.options.bus.publish({
      type: 'image',
      action: 'tag',
      actor: { id: record.id, attributes: { name: familiarString(ref) } },
    });
  }

  async remove(name: string, options: { force: boolean; noprune: boolean }): Promise<ImageDeleteItem[]> {
    return (await removeImage(this.removeDeps(), name, options)).items;
  }

  private removeDeps() {
    return {
      service: this.service,
      content: this.content,
      snapshotter: this.snapshotter,
      bus: this.options.bus,
      imageUsers: (id: string) => this.imageUsers(id),
    };
  }

  async prune(filters: Record<string, string[]>): Promise<ImagePruneReport> {
    checkFilterKeys(filters, ['dangling', 'until', 'label', 'label!']);
    const danglingOnly = parseDangling(filters.dangling ?? []) ?? true;
    const until =
      filters.until?.[0] !== undefined ? parseEventTimestamp(filters.until[0], 'until') / 1e6 : undefined;
    if (this.pulls.size > 0)
      log.debug({ pulls: this.pulls.size }, 'prune while pulls run: their images are not in the index yet');
    const items: ImageDeleteItem[] = [];
    let reclaimed = 0;
    for (const record of this.store.list()) {
      if (!this.store.get(record.id)) continue;
      if (danglingOnly && this.store.tagsOf(record.id).length > 0) continue;
      if (this.imageUsers(record.id).length > 0) continue;
      const config = await this.service.configOf(record.id).catch(() => undefined);
      const labels = config?.config?.Labels ?? {};
      if (filters.label && !matchLabels(labels, filters.label)) continue;
      if (filters['label!']?.length && matchLabels(labels, filters['label!'])) continue;
      if (until !== undefined && (Date.parse(config?.created ?? '') || 0) >= until) continue;
      try {
        const result = await removeImage(this.removeDeps(), record.id, { force: true, noprune: false });
        items.push(...result.items);
        reclaimed += result.reclaimed;
      } catch (err) {
        if (!(err instanceof Conflict)) throw err;
      }
    }
    this.options.bus.publish({
      type: 'image',
      action: 'prune',
      actor: { id: '', attributes: { reclaimed: String(reclaimed) } },
    });
    return { ImagesDeleted: items.length ? items : null, SpaceReclaimed: reclaimed };
  }

  /** For /info. */
  imageCount(): number {
    return this.store.list().length;
  }

  /** For /system/df: every image with its container count and shared size. */
  async dataUsage(): Promise<{ layersSize: number; images: ImageSummary[] }> {
    const useCount = new Map<string, number>();
    const perImage = new Map<string, string[]>();
    for (const record of this.store.list()) {
      const config = await this.service.configOf(record.id).catch(() => undefined);
      const chain = config ? chainIds(config.rootfs.diff_ids) : [];
      perImage.set(record.id, chain);
      for (const c of new Set(chain)) useCount.set(c, (useCount.get(c) ?? 0) + 1);
    }
    const sizes = new Map<string, number>();
    for (const c of useCount.keys()) sizes.set(c, await layerSize(this.snapshotter, c));
    const images: ImageSummary[] = [];
    for (const record of this.store.list()) {
      const s = await summarizeImage(this.views, record, this.imageUsers(record.id).length).catch(
        () => undefined,
      );
      if (!s) continue;
      s.SharedSize = (perImage.get(record.id) ?? [])
        .filter((c) => (useCount.get(c) ?? 0) > 1)
        .reduce((a, c) => a + (sizes.get(c) ?? 0), 0);
      images.push(s);
    }
    return { layersSize: [...sizes.values()].reduce((a, b) => a + b, 0), images };
  }
}

/** `fromImage` and `tag` of POST /images/create as one reference (`latest` when neither). */
export function pullReference(fromImage: string, tag: string | undefined): ImageReference {
  if (!fromImage) throw new InvalidParameter('fromImage must be given');
  const ref = parseNormalizedNamed(fromImage);
  if (tag) {
    if (/^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/.test(tag))
      return withDigest(ref, tag);
    return withTag(ref, tag);
  }
  if (ref.digest !== undefined) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  return withDefaultTag(ref);
}
