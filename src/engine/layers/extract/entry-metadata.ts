import { chmod, lchown, lutimes } from 'node:fs/promises';
import { setAttribute } from '@napi-rs/xattr';
import { moduleLogger } from '../../../log/index.js';
import { LayerEntryRefused } from './entry-path.js';
import type { PaxRecords } from './pax-tap.js';
import { isOverlayControlXattr } from './whiteout-formats.js';

const log = moduleLogger('layers.extract');

const XATTR_PREFIX = 'SCHILY.xattr.';

/** The extended attributes an entry carries, values as raw bytes. */
export function entryXattrs(pax: PaxRecords | undefined): [string, Buffer][] {
  if (!pax) return [];
  const out: [string, Buffer][] = [];
  for (const [key, value] of pax) {
    if (key.startsWith(XATTR_PREFIX)) out.push([key.slice(XATTR_PREFIX.length), value]);
  }
  return out;
}

/** The entry's modification time, with the PAX record's sub-second precision when present. */
export function entryMtime(pax: PaxRecords | undefined, fallback: Date | undefined): Date {
  const precise = pax?.get('mtime');
  if (precise) {
    const seconds = Number.parseFloat(precise.toString('ascii'));
    if (Number.isFinite(seconds)) return new Date(seconds * 1000);
  }
  return fallback ?? new Date(0);
}

/** Whether a layer may set this attribute: user ones (not overlay's own) and file capabilities. */
function xattrAllowed(name: string): boolean {
  if (name === 'security.capability') return true;
  return name.startsWith('user.') && !isOverlayControlXattr(name);
}

/** Writes the entry's xattrs onto a file or directory (never a symlink: the call follows it). */
export async function applyXattrs(entry: string, path: string, xattrs: [string, Buffer][]): Promise<void> {
  for (const [name, value] of xattrs) {
    if (!xattrAllowed(name)) {
      log.debug({ entry, xattr: name }, 'skipping an extended attribute a layer may not set here');
      continue;
    }
    try {
      await setAttribute(path, name, value);
    } catch (err) {
      log.debug({ entry, xattr: name, err: (err as Error).message }, 'extended attribute not supported here');
    }
  }
}

export interface Ownership {
  uid: number;
  gid: number;
}

/** lchown; an id the user namespace does not map fails the layer with a clear message. */
export async function applyOwner(entry: string, path: string, owner: Ownership): Promise<void> {
  try {
    await lchown(path, owner.uid, owner.gid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EINVAL') {
      throw new LayerEntryRefused(
        entry,
        `it is owned by ${owner.uid}:${owner.gid}, which the user namespace does not map (check /etc/subuid and /etc/subgid)`,
      );
    }
    throw err;
  }
}

/** Mode bits including setuid/setgid/sticky; set after lchown, which clears setuid. */
export async function applyMode(path: string, mode: number): Promise<void> {
  await chmod(path, mode & 0o7777);
}

export async function applyTimes(path: string, mtime: Date): Promise<void> {
  await lutimes(path, mtime, mtime);
}
