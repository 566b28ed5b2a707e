import { Conflict } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { ImageDeleteItem } from '../../types/image.js';
import type { ContentStore } from '../content/index.js';
import type { EventBus } from '../events/bus.js';
import { chainIds } from '../layers/chain-id.js';
import type { Snapshotter } from '../layers/types.js';
import type { ImageService } from './image-service.js';
import { familiarReference } from './image-service.js';
import type { ImageRecord } from './image-store.js';
import { layerSize } from './image-views.js';
import { isImageId, normalizedString, parseNormalizedNamed, withDefaultTag } from './reference.js';

const log = moduleLogger('images.remove');

export interface RemoveDeps {
  service: ImageService;
  content: ContentStore;
  snapshotter: Snapshotter;
  bus: EventBus;
  /** Ids of the containers made from an image (the containers module provides it). */
  imageUsers: (imageId: string) => string[];
}

export interface RemoveResult {
  items: ImageDeleteItem[];
  /** Bytes of layers removed. */
  reclaimed: number;
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** The normalised tag or digest reference `name` stands for, when it is one stored here. */
function referenceNamed(deps: RemoveDeps, name: string, record: ImageRecord): string | undefined {
  if (isImageId(name)) return undefined;
  try {
    const ref = parseNormalizedNamed(name);
    if (ref.digest !== undefined) {
      const full = `${ref.domain}/${ref.path}@${ref.digest}`;
      return record.repoDigests.includes(full) ? full : undefined;
    }
    const full = normalizedString(withDefaultTag(ref));
    return deps.service.store.tagTarget(full) === record.id ? full : undefined;
  } catch {
    return undefined;
  }
}

/**
 * DELETE /images/{name}, as Docker: a name that is a reference untags it (and deletes the
 * image when that was its last reference); an id deletes the image with all its references.
 */
export async function removeImage(
  deps: RemoveDeps,
  name: string,
  options: { force: boolean; noprune: boolean },
): Promise<RemoveResult> {
  const store = deps.service.store;
  const record = deps.service.findRecord(name);
  const id = record.id;
  const users = deps.imageUsers(id);
  const refs = () => [...store.tagsOf(id), ...(store.get(id)?.repoDigests ?? [])];
  const items: ImageDeleteItem[] = [];
  const named = referenceNamed(deps, name, record);
  // Images committed from this one name it as parent: it stays while they do (as Docker).
  const hasChildren = store.list().some((r) => r.parent === id);

  if (named) {
    if (!options.force && users.length > 0 && refs().length === 1) {
      throw new Conflict(
        `conflict: unable to remove repository reference "${name}" (must force) - container ${short(users[0] as string)} is using its referenced image ${short(id)}`,
      );
    }
    await untag(deps, record, named, items);
    if (!named.includes('@')) {
      // Docker: when the last tag of a repository goes, that repository's digests go with it.
      const repo = named.slice(0, named.lastIndexOf(':'));
      const sameRepoTag = store.tagsOf(id).some((t) => t.slice(0, t.lastIndexOf(':')) === repo);
      if (!sameRepoTag) {
        for (const d of store.get(id)?.repoDigests ?? [])
          if (d.slice(0, d.indexOf('@')) === repo) await untag(deps, record, d, items);
      }
    }
    if (refs().length > 0) return { items, reclaimed: 0 };
    if (users.length > 0 || hasChildren) return { items, reclaimed: 0 };
  } else {
    if (hasChildren)
      throw new Conflict(
        `conflict: unable to delete ${short(id)} (cannot be forced) - image has dependent child images`,
      );
    const tags = store.tagsOf(id);
    const repos = new Set(tags.map((t) => t.slice(0, t.lastIndexOf(':'))));
    if (!options.force && repos.size > 1) {
      throw new Conflict(
        `conflict: unable to delete ${short(id)} (must be forced) - image is referenced in multiple repositories`,
      );
    }
    if (!options.force && users.length > 0) {
      throw new Conflict(
        `conflict: unable to delete ${short(id)} (must be forced) - image is being used by stopped container ${short(users[0] as string)}`,
      );
    }
  }
  for (const ref of refs()) await untag(deps, record, ref, items);
  let reclaimed = await deleteImage(deps, record);
  items.push({ Deleted: id });
  if (!options.noprune) reclaimed += await pruneParents(deps, record.parent, items);
  return { items, reclaimed };
}

/**
 * Docker's prune of parents: after an image goes, its parent goes too while it has no name,
 * no other child and no container (a build's intermediate images), and so on up.
 */
async function pruneParents(deps: RemoveDeps, parentId: string | undefined, items: ImageDeleteItem[]) {
  const store = deps.service.store;
  let reclaimed = 0;
  for (let id = parentId; id; ) {
    const parent = store.get(id);
    if (!parent || store.tagsOf(id).length > 0 || parent.repoDigests.length > 0) break;
    if (store.list().some((r) => r.parent === id) || deps.imageUsers(id).length > 0) break;
    reclaimed += await deleteImage(deps, parent);
    items.push({ Deleted: id });
    id = parent.parent;
  }
  return reclaimed;
}

async function untag(
  deps: RemoveDeps,
  record: ImageRecord,
  ref: string,
  items: ImageDeleteItem[],
): Promise<void> {
  const store = deps.service.store;
  if (ref.includes('@')) await store.removeRepoDigest(record.id, ref);
  else await store.untag(ref);
  const familiar = familiarReference(ref);
  items.push({ Untagged: familiar });
  deps.bus.publish({
    type: 'image',
    action: 'untag',
    actor: { id: record.id, attributes: { name: familiar } },
  });
}

/** Blobs and layers other images still need. */
async function stillNeeded(
  deps: RemoveDeps,
  except: string,
): Promise<{ blobs: Set<string>; chains: Set<string> }> {
  const blobs = new Set<string>();
  const chains = new Set<string>();
  for (const other of deps.service.store.list()) {
    if (other.id === except) continue;
    blobs.add(other.id);
    for (const d of other.repoDigests) blobs.add(d.slice(d.indexOf('@') + 1));
    try {
      const config = await deps.service.configOf(other.id);
      for (const c of chainIds(config.rootfs.diff_ids)) chains.add(c);
    } catch {}
    if (other.manifestDigest) {
      blobs.add(other.manifestDigest);
      for (const d of await manifestBlobs(deps.content, other.manifestDigest)) blobs.add(d);
    }
  }
  return { blobs, chains };
}

async function manifestBlobs(content: ContentStore, digest: string): Promise<string[]> {
  try {
    const m = JSON.parse((await content.readBuffer(digest)).toString('utf8')) as {
      config?: { digest?: string };
      layers?: { digest?: string }[];
    };
    return [m.config?.digest, ...(m.layers ?? []).map((l) => l.digest)].filter(
      (d): d is string => typeof d === 'string',
    );
  } catch {
    return [];
  }
}

/** Removes the record, the layers no other image uses (top down) and unshared blobs. */
async function deleteImage(deps: RemoveDeps, record: ImageRecord): Promise<number> {
  const id = record.id;
  let chain: string[] = [];
  try {
    chain = chainIds((await deps.service.configOf(id)).rootfs.diff_ids);
  } catch {}
  const needed = await stillNeeded(deps, id);
  const own = new Set<string>([id]);
  for (const d of record.repoDigests) own.add(d.slice(d.indexOf('@') + 1));
  if (record.manifestDigest) {
    own.add(record.manifestDigest);
    for (const d of await manifestBlobs(deps.content, record.manifestDigest)) own.add(d);
  }
  await deps.service.store.delete(id);
  deps.service.forgetConfig(id);
  deps.bus.publish({ type: 'image', action: 'delete', actor: { id, attributes: { name: id } } });

  let reclaimed = 0;
  for (const chainId of [...chain].reverse()) {
    if (needed.chains.has(chainId)) break;
    const size = await layerSize(deps.snapshotter, chainId);
    try {
      await deps.snapshotter.remove(chainId);
      reclaimed += size;
    } catch (err) {
      // Still a parent of something (a container's layer): it stays, and so do the ones below.
      log.debug({ chainId, err: (err as Error).message }, 'layer kept');
      break;
    }
  }
  for (const digest of own) {
    if (needed.blobs.has(digest)) continue;
    await deps.content.delete(digest).catch(() => undefined);
  }
  return reclaimed;
}
