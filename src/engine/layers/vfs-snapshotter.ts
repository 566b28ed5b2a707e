import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { copyTree } from '../../drivers/copy-tree.js';
import { InvalidParameter } from '../../errdefs/index.js';
import { vfsWhiteouts } from './extract/whiteout-formats.js';
import { SnapshotStore } from './snapshot-store.js';
import { StoreSnapshotter } from './store-snapshotter.js';
import type { Mount, WhiteoutFormat } from './types.js';

/**
 * Snapshots as full copies (Docker's vfs, containerd's native): a writable snapshot starts
 * as a copy of its parent's tree; a view binds the parent read-only. Always works, costs
 * disk and time.
 */
export class VfsSnapshotter extends StoreSnapshotter {
  readonly driver = 'vfs' as const;
  readonly whiteouts: WhiteoutFormat = vfsWhiteouts;

  constructor(dataRoot: string) {
    super(new SnapshotStore(join(dataRoot, 'layers', 'vfs')));
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
}
