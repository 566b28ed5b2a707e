import { join } from 'node:path';
import { InvalidParameter } from '../../errdefs/index.js';
import type { ImageHistoryItem, ImageInspect, ImageSummary } from '../../types/image.js';
import { LAYER_LABELS } from '../layers/apply-layer.js';
import { chainIds } from '../layers/chain-id.js';
import type { Snapshotter } from '../layers/types.js';
import type { ImageConfigFile } from './image-config.js';
import type { ImageService } from './image-service.js';
import { familiarReference } from './image-service.js';
import type { ImageRecord } from './image-store.js';

/** What the views need besides the service: the layers and where they live. */
export interface ViewDeps {
  service: ImageService;
  snapshotter: Snapshotter;
  dataRoot: string;
}

/** Uncompressed size of one committed layer (from its labels; 0 when unknown). */
export async function layerSize(snapshotter: Snapshotter, chainId: string): Promise<number> {
  try {
    const info = await snapshotter.stat(chainId);
    const n = Number(info.labels[LAYER_LABELS.size] ?? '0');
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

/** Per layer sizes of an image, bottom first. */
export async function layerSizes(snapshotter: Snapshotter, config: ImageConfigFile): Promise<number[]> {
  return Promise.all(chainIds(config.rootfs.diff_ids).map((c) => layerSize(snapshotter, c)));
}

export async function imageSize(snapshotter: Snapshotter, config: ImageConfigFile): Promise<number> {
  return (await layerSizes(snapshotter, config)).reduce((a, b) => a + b, 0);
}

function unixSeconds(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(t) ? Math.floor(t / 1000) : 0;
}

/** Docker's Config object: the image config's `config`, with Docker's always-present keys. */
function dockerConfig(config: ImageConfigFile): Record<string, unknown> {
  const c = config.config ?? {};
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: null,
    Image: '',
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: null,
    ...c,
  };
}

export async function inspectImage(deps: ViewDeps, record: ImageRecord): Promise<ImageInspect> {
  const { service, snapshotter } = deps;
  const config = await service.configOf(record.id);
  const chain = chainIds(config.rootfs.diff_ids);
  const driverDir = join(deps.dataRoot, 'layers', snapshotter.driver);
  const dirOf = (c: string) => join(driverDir, c.replace(/^sha256:/, ''), 'diff');
  const top = chain.at(-1);
  const driverName = snapshotter.driver === 'overlay' ? 'overlay2' : snapshotter.driver;
  const data: Record<string, string> | null = top
    ? {
        ...(chain.length > 1
          ? {
              LowerDir: chain.slice(0, -1).reverse().map(dirOf).join(':'),
            }
          : {}),
        UpperDir: dirOf(top),
      }
    : null;
  const out: ImageInspect = {
    Id: record.id,
    RepoTags: service.familiarTags(record.id),
    RepoDigests: record.repoDigests.map(familiarReference),
    Parent: record.parent ?? '',
    Comment: config.comment ?? '',
    Created: config.created ?? '0001-01-01T00:00:00Z',
    DockerVersion: config.docker_version ?? '',
    Author: config.author ?? '',
    Config: dockerConfig(config),
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    ...(config['os.version'] ? { OsVersion: config['os.version'] } : {}),
    Size: await imageSize(snapshotter, config),
    GraphDriver: { Name: driverName, Data: data },
    RootFS: { Type: config.rootfs.type || 'layers', Layers: [...config.rootfs.diff_ids] },
    Metadata: { LastTagTime: record.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
  return out;
}

export async function summarizeImage(
  deps: ViewDeps,
  record: ImageRecord,
  containers: number,
): Promise<ImageSummary> {
  const config = await deps.service.configOf(record.id);
  return {
    Id: record.id,
    ParentId: record.parent ?? '',
    RepoTags: deps.service.familiarTags(record.id),
    RepoDigests: record.repoDigests.map(familiarReference),
    Created: unixSeconds(config.created),
    Size: await imageSize(deps.snapshotter, config),
    SharedSize: -1,
    Labels: config.config?.Labels ?? {},
    Containers: containers,
  };
}

/** GET /images/{name}/history: newest first; ids `<missing>` except the top entry. */
export async function imageHistory(deps: ViewDeps, record: ImageRecord): Promise<ImageHistoryItem[]> {
  const config = await deps.service.configOf(record.id);
  const sizes = await layerSizes(deps.snapshotter, config);
  const history = config.history ?? [];
  const items: ImageHistoryItem[] = [];
  let layer = 0;
  for (const h of history) {
    const size = h.empty_layer ? 0 : (sizes[layer++] ?? 0);
    items.push({
      Id: '<missing>',
      Created: unixSeconds(h.created),
      CreatedBy: h.created_by ?? '',
      Tags: null,
      Size: size,
      Comment: h.comment ?? '',
    });
  }
  if (history.length === 0) {
    // No history in the config: one line per layer, as Docker shows for such images.
    for (const size of sizes)
      items.push({
        Id: '<missing>',
        Created: unixSeconds(config.created),
        CreatedBy: '',
        Tags: null,
        Size: size,
        Comment: '',
      });
  }
  items.reverse();
  // As Docker: the lines take the ids (and tags) of the image and its parents, newest first
  // (a build's steps show their intermediate images); older lines stay `<missing>`.
  let id: string | undefined = record.id;
  for (const item of items) {
    if (!id) break;
    item.Id = id;
    const tags = deps.service.familiarTags(id);
    item.Tags = tags.length ? tags : null;
    id = deps.service.store.get(id)?.parent;
  }
  return items;
}

/** Docker's image list filters and their checks. */
export const IMAGE_LIST_FILTERS = ['dangling', 'label', 'reference', 'before', 'since', 'until'] as const;

export function checkFilterKeys(filters: Record<string, string[]>, allowed: readonly string[]): void {
  for (const key of Object.keys(filters)) {
    if (!allowed.includes(key)) throw new InvalidParameter(`invalid filter '${key}'`);
  }
}

/** `label=key` or `label=key=value` against a label set. */
export function matchLabels(labels: Record<string, string>, wanted: string[]): boolean {
  return wanted.every((w) => {
    const i = w.indexOf('=');
    if (i === -1) return w in labels;
    return labels[w.slice(0, i)] === w.slice(i + 1);
  });
}

/** Go's path.Match subset Docker's reference filter uses: `*`, `?`, `[...]`. */
export function globMatch(pattern: string, text: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`).test(text);
}

/** Docker's `dangling` value: only "true"/"1" and "false"/"0". */
export function parseDangling(values: string[]): boolean | undefined {
  if (values.length === 0) return undefined;
  const v = values[0]?.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InvalidParameter(`Invalid filter 'dangling=${values[0]}'`);
}
