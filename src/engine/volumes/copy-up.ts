import { readdir, realpath, rmdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { copyTree } from '../../drivers/copy-tree.js';

/**
 * Docker's copy-up: a volume that is still empty gets the image's content at the path it is
 * mounted on. Paths are resolved inside the rootfs (a symlink may not lead outside).
 */
export async function copyUp(rootfs: string, destination: string, data: string): Promise<boolean> {
  let from: string;
  try {
    from = await realpath(join(rootfs, destination));
  } catch {
    return false;
  }
  const root = await realpath(rootfs);
  const rel = relative(root, from);
  if (rel.startsWith('..')) return false;
  const st = await stat(from).catch(() => undefined);
  if (!st?.isDirectory()) return false;
  if ((await readdir(data)).length > 0) return false;
  if ((await readdir(from)).length === 0) return false;
  await rmdir(data);
  await copyTree(from, data);
  return true;
}
