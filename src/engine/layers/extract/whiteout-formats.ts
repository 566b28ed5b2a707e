import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { xattr } from '../../../drivers/npm-addons.js';
import { mknodChar } from '../../../drivers/special-files.js';
import type { StorageDriverName, WhiteoutFormat } from '../types.js';

/** Removes whatever is at `path` (nothing there is fine). */
async function clear(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/**
 * Overlay-style layers keep deletions as character devices 0/0 (mknod is allowed to uid 0
 * of a user namespace for 0/0) and opaque directories as an xattr whose name depends on
 * who reads the layer: the kernel with `userxattr` reads `user.overlay.opaque`,
 * fuse-overlayfs reads `user.fuseoverlayfs.opaque`.
 */
function overlayStyle(name: StorageDriverName, opaqueXattr: string): WhiteoutFormat {
  return {
    name,
    async whiteout(dir, entry) {
      const path = join(dir, entry);
      await clear(path);
      await mknodChar(path, 0, 0);
    },
    async opaque(dir) {
      // The layer folder holds only this layer's files: the lower ones are hidden by the flag.
      await xattr().setAttribute(dir, opaqueXattr, 'y');
    },
  };
}

export const overlayWhiteouts = overlayStyle('overlay', 'user.overlay.opaque');
export const fuseOverlayfsWhiteouts = overlayStyle('fuse-overlayfs', 'user.fuseoverlayfs.opaque');

/** vfs layers are full copies of the tree: a deletion deletes, an opaque dir is emptied. */
export const vfsWhiteouts: WhiteoutFormat = {
  name: 'vfs',
  async whiteout(dir, entry) {
    await clear(join(dir, entry));
  },
  async opaque(dir, keep) {
    const st = await lstat(dir).catch(() => undefined);
    if (!st?.isDirectory()) return;
    for (const child of await readdir(dir)) {
      if (!keep.has(child)) await clear(join(dir, child));
    }
  },
};

/** The xattrs a layer must never set itself: they steer the overlay that reads the layer. */
export function isOverlayControlXattr(name: string): boolean {
  return (
    name.startsWith('user.overlay.') ||
    name.startsWith('user.fuseoverlayfs.') ||
    name.startsWith('trusted.overlay.') ||
    name.startsWith('trusted.')
  );
}
