import { lstat, readlink } from 'node:fs/promises';
import { InvalidParameter } from '../../errdefs/index.js';

const MAX_LINKS = 40;

/**
 * Resolves the container path `path` to a host path under `root`, following symlinks as if
 * `root` were `/` (chroot semantics): absolute link targets restart at `root`, `..` never
 * climbs above it. Missing components are kept literally. With `followLast` false the last
 * component is not followed (it is the link itself).
 */
export async function resolveInRoot(root: string, path: string, followLast: boolean): Promise<string> {
  const queue = path.split('/');
  const resolved: string[] = [];
  let links = 0;
  while (queue.length > 0) {
    const part = queue.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const isLast = queue.every((p) => p === '' || p === '.');
    if (isLast && !followLast) {
      resolved.push(part);
      break;
    }
    const candidate = hostJoin(root, [...resolved, part]);
    const st = await lstat(candidate).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new InvalidParameter(`too many levels of symbolic links: ${path}`);
      const target = await readlink(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      queue.unshift(...target.split('/'));
      continue;
    }
    resolved.push(part);
  }
  return hostJoin(root, resolved);
}

/** `root` + components (none of them `.`/`..`/empty). */
export function hostJoin(root: string, parts: readonly string[]): string {
  const base = root.endsWith('/') ? root.slice(0, -1) : root;
  return parts.length === 0 ? base : `${base}/${parts.join('/')}`;
}

/** The container path of a host path under `root` (`/` for the root itself). */
export function containerPathOf(root: string, host: string): string {
  const base = root.endsWith('/') ? root.slice(0, -1) : root;
  const rel = host === base ? '' : host.slice(base.length + 1);
  return `/${rel}`;
}
