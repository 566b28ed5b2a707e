import { OverlaySnapshotter } from './overlay-snapshotter.js';
import type { Snapshotter, StorageDriverName } from './types.js';
import { VfsSnapshotter } from './vfs-snapshotter.js';

/** The snapshotter of a storage driver, its folders under `<dataRoot>/layers/<driver>/`. */
export function createSnapshotter(dataRoot: string, driver: StorageDriverName): Snapshotter {
  return driver === 'vfs' ? new VfsSnapshotter(dataRoot) : new OverlaySnapshotter(dataRoot, driver);
}
