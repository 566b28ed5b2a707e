import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { copyTree } from '../../drivers/copy-tree.js';
import { InvalidParameter } from '../../errdefs/index.js';
import { vfsWhiteouts } from './extract/whiteout-formats.js';
import { SnapshotStore } from './snapshot-store.js';
import type { Mount, SnapshotInfo, Snapshotter, Usage, WhiteoutFormat } from './types.js';
import { treeUsage } from './usage.js';

/**
 * Snapshots as full copies (Docker's vfs, containerd's native): a writable snapshot starts
 * as a copy of its parent's tree; a view binds the parent read-only. Always works, costs
 * disk and time.
 */
export class VfsSnapshotter implements Snapshotter {
  readonly driver = 'vfs' as const;
  readonly whiteouts: WhiteoutFormat = vfsWhiteouts;
  private readonly store: SnapshotStore;

  constructor(dataRoot: string) {
    this.store = new SnapshotStore(join(dataRoot, 'layers', 'vfs'));
  }

  async prepare(key: string, parent?: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    await this.store.create(key, 'active', parent, labels, async (tmp) => {
      if (!parent) return;
      const diff = join(tmp, 'diff');
      await rm(diff, { recursive: true });
      await copyTree(this.store.diffDir(parent), diff);
    });
    return this.mounts(key);
  }

  async view(key: string, parent?: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    await this.store.create(key, 'view', parent, labels, async () => undefined);
    return this.mounts(key);
  }

  async mounts(key: string): Promise<Mount[]> {
    const info = await this.store.info(key);
    if (info.kind === 'committed')
      throw new InvalidParameter(`snapshot ${key} is committed: it has no mounts`);
    if (info.kind === 'view') {
      const source = info.parent ? this.store.diffDir(info.parent) : this.store.diffDir(key);
      return [{ type: 'bind', source, options: ['ro'] }];
    }
    return [{ type: 'bind', source: this.store.diffDir(key), options: ['rw'] }];
  }

  commit(name: string, key: string, labels: Record<string, string> = {}): Promise<SnapshotInfo> {
    return this.store.commit(name, key, labels);
  }

  remove(key: string): Promise<void> {
    return this.store.remove(key);
  }

  stat(key: string): Promise<SnapshotInfo> {
    return this.store.info(key);
  }

  async usage(key: string): Promise<Usage> {
    await this.store.info(key);
    return treeUsage(this.store.diffDir(key));
  }

  async walk(fn: (info: SnapshotInfo) => void | Promise<void>): Promise<void> {
    for (const info of await this.store.all()) await fn(info);
  }

  async writableDir(key: string): Promise<string> {
    const info = await this.store.info(key);
    if (info.kind !== 'active') throw new InvalidParameter(`snapshot ${key} is not writable`);
    return this.store.diffDir(key);
  }
}
