import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NotImplemented } from '../../errdefs/index.js';
import type { Snapshotter } from '../layers/types.js';

/** Docker's change kinds. */
export const ChangeKind = { modified: 0, added: 1, deleted: 2 } as const;

export interface ContainerChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** Files the engine itself places in the rootfs (mount points of its bind mounts). */
const ENGINE_FILES = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']);
/** Directories the engine or runc create or touch at start; shown only with real changes inside. */
const QUIET_DIRS = new Set(['/etc', '/dev', '/proc', '/sys', '/run']);

function lowerDirs(options: readonly string[]): string[] {
  const lower = options.find((o) => o.startsWith('lowerdir='));
  return lower ? lower.slice('lowerdir='.length).split(':').filter(Boolean) : [];
}

async function existsIn(dirs: readonly string[], rel: string): Promise<boolean> {
  for (const d of dirs) if (await lstat(join(d, rel)).catch(() => undefined)) return true;
  return false;
}

/**
 * The changes of a container's writable layer against its image, read from the overlay
 * upper dir: whiteouts (char 0/0 or `.wh.` names) are deletions, entries also present below
 * are modifications, the rest additions. Sorted by path, as Docker answers.
 */
export async function containerChanges(snapshotter: Snapshotter, key: string): Promise<ContainerChange[]> {
  if (snapshotter.driver === 'vfs')
    throw new NotImplemented('container changes are not implemented for the vfs storage driver', {
      hint: 'use the overlay or fuse-overlayfs storage driver to see `docker diff`',
    });
  const upper = await snapshotter.writableDir(key);
  const mounts = await snapshotter.mounts(key);
  const lowers = lowerDirs(mounts.flatMap((m) => m.options));
  const changes: ContainerChange[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = await readdir(join(upper, rel)).catch(() => [] as string[]);
    for (const name of names) {
      if (name === '.wh..wh..opq') continue;
      if (name.startsWith('.wh.')) {
        changes.push({ Path: `${rel}/${name.slice(4)}`, Kind: ChangeKind.deleted });
        continue;
      }
      const path = `${rel}/${name}`;
      const st = await lstat(join(upper, path)).catch(() => undefined);
      if (!st) continue;
      if (st.isCharacterDevice() && st.rdev === 0) {
        changes.push({ Path: path, Kind: ChangeKind.deleted });
        continue;
      }
      const below = await existsIn(lowers, path);
      if (!(ENGINE_FILES.has(path) && st.isFile() && st.size === 0))
        changes.push({ Path: path, Kind: below ? ChangeKind.modified : ChangeKind.added });
      if (st.isDirectory()) await walk(path);
    }
  };
  await walk('');
  const quiet = changes.filter(
    (ch) =>
      !(
        QUIET_DIRS.has(ch.Path) &&
        ch.Kind === ChangeKind.modified &&
        !changes.some((o) => o.Path.startsWith(`${ch.Path}/`))
      ),
  );
  return quiet.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}
