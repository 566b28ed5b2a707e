import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameter } from '../../errdefs/index.js';
import { fuseOverlayfsWhiteouts, overlayWhiteouts } from './extract/whiteout-formats.js';
import { SnapshotStore } from './snapshot-store.js';
import { StoreSnapshotter } from './store-snapshotter.js';
import type { Mount, WhiteoutFormat } from './types.js';

/**
 * Snapshots as overlay layers: each snapshot's own files in `diff/`, a writable one with a
 * `work/` beside it; the mount stacks the parents' `diff/` folders as lower dirs. The kernel's
 * overlay (with `userxattr`, as it must inside a user namespace) and fuse-overlayfs read the
 * same layout and differ only in the opaque xattr and how they are mounted.
 */
export class OverlaySnapshotter extends StoreSnapshotter {
  readonly whiteouts: WhiteoutFormat;

  constructor(
    dataRoot: string,
    readonly driver: 'overlay' | 'fuse-overlayfs',
  ) {
    super(new SnapshotStore(join(dataRoot, 'layers', driver)));
    this.whiteouts = driver === 'overlay' ? overlayWhiteouts : fuseOverlayfsWhiteouts;
  }

  async prepare(key: string, parent?: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    await this.store.create(key, 'active', parent, labels, (tmp) =>
      mkdirSync(join(tmp, 'work'), { mode: 0o700 }),
    );
    return this.mounts(key);
  }

  async mounts(key: string): Promise<Mount[]> {
    const info = await this.store.info(key);
    if (info.kind === 'committed')
      throw new InvalidParameter(`snapshot ${key} is committed: it has no mounts`);
    const lowers = info.parent
      ? (await this.store.chain(info.parent)).map((s) => this.store.diffDir(s.key))
      : [];
    const own = this.store.diffDir(key);
    if (info.kind === 'view') {
      if (lowers.length === 0) return [{ type: 'bind', source: own, options: ['ro'] }];
      if (lowers.length === 1) return [{ type: 'bind', source: lowers[0]!, options: ['ro'] }];
      return [this.overlayMount([`lowerdir=${lowers.join(':')}`])];
    }
    if (lowers.length === 0) return [{ type: 'bind', source: own, options: ['rw'] }];
    const work = join(this.store.dirOf(key), 'work');
    return [this.overlayMount([`lowerdir=${lowers.join(':')}`, `upperdir=${own}`, `workdir=${work}`])];
  }

  private overlayMount(options: string[]): Mount {
    if (this.driver === 'overlay')
      return { type: 'overlay', source: 'overlay', options: [...options, 'userxattr'] };
    return { type: 'fuse-overlayfs', source: 'fuse-overlayfs', options };
  }
}
