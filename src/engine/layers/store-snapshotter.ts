import { InvalidParameter } from '../../errdefs/index.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { Mount, SnapshotInfo, Snapshotter, StorageDriverName, Usage, WhiteoutFormat } from './types.js';
import { treeUsage } from './usage.js';

/**
 * What every snapshotter over a SnapshotStore shares: views, commits, removal, stat, usage
 * and walking are the store's; drivers differ in how a writable snapshot starts and mounts.
 */
export abstract class StoreSnapshotter implements Snapshotter {
  abstract readonly driver: StorageDriverName;
  abstract readonly whiteouts: WhiteoutFormat;

  constructor(protected readonly store: SnapshotStore) {}

  abstract prepare(key: string, parent?: string, labels?: Record<string, string>): Promise<Mount[]>;
  abstract mounts(key: string): Promise<Mount[]>;

  async view(key: string, parent?: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    await this.store.create(key, 'view', parent, labels, () => undefined);
    return this.mounts(key);
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
