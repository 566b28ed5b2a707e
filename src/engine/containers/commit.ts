import type { Stats } from 'node:fs';
import type { Readable } from 'node:stream';
import type { CommitBackend, CommitQuery } from '../../api/routes/commit.js';
import { Conflict, InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { EventBus } from '../events/bus.js';
import type { ImageContainerConfig } from '../images/image-config.js';
import { normalizedString, parseNormalizedNamed, withTag } from '../images/reference.js';
import { EXTRACT_KEY_PREFIX } from '../layers/apply-layer.js';
import type { Snapshotter } from '../layers/types.js';
import { commitImageConfig } from './commit-config.js';
import type { ContainerService } from './container-service.js';
import { layerDiff } from './layer-diff.js';
import type { LiveContainer } from './live-container.js';
import { configOf } from './record.js';
import { snapshotKey } from './start-container.js';

const log = moduleLogger('containers.commit');

/** What the images side does with the layer (src/engine/images/commit.ts). */
export type StoreCommit = (input: {
  parentId?: string;
  layer: Readable;
  config: ImageContainerConfig;
  containerId?: string;
  containerConfig?: ImageContainerConfig;
  createdBy: string;
  author?: string;
  comment?: string;
  tag?: string;
  signal?: AbortSignal;
}) => Promise<string>;

export interface ContainerCommitOptions {
  containers: ContainerService;
  snapshotter: () => Promise<Snapshotter>;
  store: StoreCommit;
  bus: EventBus;
  /** Turns a normalised reference into the familiar one (the event's `imageRef`). */
  familiar: (normalized: string) => string;
}

/** Files the engine bind-mounts over (their empty mount points are not the container's changes). */
const ENGINE_FILES = new Set(['etc/hosts', 'etc/hostname', 'etc/resolv.conf']);

/** The engine's mount points: not part of a commit when empty. */
export function isEngineMountPoint(rel: string, st: Stats): boolean {
  return ENGINE_FILES.has(rel) && st.isFile() && st.size === 0;
}

/** Directories the runtime creates or touches at start: kept only with real changes inside. */
export function isRuntimeDir(rel: string): boolean {
  return ['etc', 'dev', 'proc', 'sys', 'run'].includes(rel) || /^(dev|proc|sys)\//.test(rel);
}

/**
 * `docker commit`: the container's writable layer (overlay upper dir) becomes a new image
 * layer on top of its image. Pausing needs the cgroup freezer, which a rootless daemon without
 * delegation lacks: as Docker does when a pause fails, the commit then proceeds unpaused (a
 * file being written meanwhile may be caught half-written).
 */
export class ContainerCommit implements CommitBackend {
  constructor(private readonly o: ContainerCommitOptions) {}

  async commit(req: CommitQuery, signal?: AbortSignal): Promise<string> {
    const tag = commitTag(req.repo, req.tag);
    const c = this.o.containers.get(req.container);
    if (c.state.status === 'dead') throw new Conflict(`You cannot commit container ${c.id} which is Dead`);
    if (c.removed || c.state.status === 'removing')
      throw new Conflict(`You cannot commit container ${c.id} which is being removed`);
    const own = configOf(c.record) as unknown as ImageContainerConfig;
    const config = commitImageConfig(own, req.config as ImageContainerConfig | undefined, req.changes);
    if (req.pause && c.running)
      log.debug({ id: c.id }, 'no cgroup freezer: committing without pausing the container');
    const id = await this.storeChanges(c, {
      config,
      containerConfig: own,
      createdBy: (own.Cmd ?? []).join(' '),
      ...(req.author ? { author: req.author } : {}),
      ...(req.comment ? { comment: req.comment } : {}),
      ...(tag ? { tag } : {}),
      ...(signal ? { signal } : {}),
    });
    this.o.bus.publish({
      type: 'container',
      action: 'commit',
      actor: {
        id: c.id,
        attributes: {
          ...(configOf(c.record).Labels ?? {}),
          comment: req.comment ?? '',
          image: c.record.image,
          imageID: id,
          imageRef: tag ? this.o.familiar(tag) : '',
          name: c.record.name.slice(1),
        },
      },
    });
    return id;
  }

  /**
   * A build step's commit (Docker's CommitBuildStep): the container's changes with the
   * config exactly as the builder gives it (no merge with the container's), and the step's
   * own config as `container_config` (its Cmd is the history line). No event.
   */
  commitBuildStep(
    ref: string,
    input: { config: ImageContainerConfig; containerConfig: ImageContainerConfig; author?: string },
    signal?: AbortSignal,
  ): Promise<string> {
    const c = this.o.containers.get(ref);
    return this.storeChanges(c, {
      config: input.config,
      containerConfig: input.containerConfig,
      createdBy: (input.containerConfig.Cmd ?? []).join(' '),
      ...(input.author ? { author: input.author } : {}),
      ...(signal ? { signal } : {}),
    });
  }

  /** The container's writable layer as a new image on the container's image (under its lock). */
  private storeChanges(
    c: LiveContainer,
    fields: Omit<Parameters<StoreCommit>[0], 'parentId' | 'layer' | 'containerId'>,
  ): Promise<string> {
    return c.locked(async () => {
      if (c.removed) throw new Conflict(`You cannot commit container ${c.id} which is being removed`);
      const snapshotter = await this.o.snapshotter();
      const upper = await snapshotter.writableDir(snapshotKey(c.id));
      // vfs snapshots are full copies: the diff compares them with the parent's tree (a view).
      const view =
        snapshotter.driver === 'vfs' && c.record.chainId ? `${EXTRACT_KEY_PREFIX}commit-${c.id}` : undefined;
      const lower = view ? (await snapshotter.view(view, c.record.chainId))[0]?.source : undefined;
      try {
        return await this.o.store({
          ...(c.record.imageId ? { parentId: c.record.imageId } : {}),
          layer: layerDiff({
            upper,
            skip: isEngineMountPoint,
            lazyDir: isRuntimeDir,
            ...(lower ? { lower } : {}),
          }),
          containerId: c.id,
          ...fields,
        });
      } finally {
        if (view) await snapshotter.remove(view).catch(() => undefined);
      }
    });
  }
}

/** `repo` and `tag` as Docker combines them (none without a repo; `latest` by default). */
export function commitTag(repo: string | undefined, tag: string | undefined): string | undefined {
  if (!repo) return undefined;
  let ref = parseNormalizedNamed(repo);
  if (tag) ref = withTag(ref, tag);
  if (ref.digest !== undefined) throw new InvalidParameter('cannot import digest reference');
  return normalizedString(ref.tag === undefined ? withTag(ref, 'latest') : ref);
}
