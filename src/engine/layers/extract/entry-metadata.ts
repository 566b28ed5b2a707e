import { chmodSync, fchmodSync, fchownSync, futimesSync, lchownSync, lutimesSync } from 'node:fs';
import { xattr } from '../../../drivers/npm-addons.js';
import { moduleLogger } from '../../../log/index.js';
import { LayerEntryRefused } from './entry-path.js';
import type { PaxRecords } from './pax-records.js';
import { isOverlayControlXattr } from './whiteout-formats.js';

const log = moduleLogger('layers.extract');

const XATTR_PREFIX = 'SCHILY.xattr.';

/**
 * The metadata calls of extraction are synchronous on purpose: each is a few microseconds of
 * kernel work, and a layer has thousands of entries; a round trip through libuv's thread pool
 * per call made extraction several times slower than tar. A target is a path (never
 * followed when it is a link) or the descriptor of a file this layer just created.
 */
export type MetaTarget = string | number;

/** The extended attributes an entry carries, values as raw bytes. */
export function entryXattrs(pax: PaxRecords | undefined): [string, Buffer][] {
  if (!pax) return [];
  const out: [string, Buffer][] = [];
  for (const [key, value] of pax) {
    if (key.startsWith(XATTR_PREFIX)) out.push([key.slice(XATTR_PREFIX.length), value]);
  }
  return out;
}

/** Whether a layer may set this attribute: user ones (not overlay's own) and file capabilities. */
function xattrAllowed(name: string): boolean {
  if (name === 'security.capability') return true;
  return name.startsWith('user.') && !isOverlayControlXattr(name);
}

/** Writes the entry's xattrs onto a file or directory (never a symlink: the call follows it). */
export function applyXattrs(entry: string, path: string, xattrs: [string, Buffer][]): void {
  for (const [name, value] of xattrs) {
    if (!xattrAllowed(name)) {
      log.debug({ entry, xattr: name }, 'skipping an extended attribute a layer may not set here');
      continue;
    }
    try {
      xattr().setAttributeSync(path, name, value);
    } catch (err) {
      log.debug({ entry, xattr: name, err: (err as Error).message }, 'extended attribute not supported here');
    }
  }
}

export interface Ownership {
  uid: number;
  gid: number;
}

/** lchown (fchown); an id the user namespace does not map fails the layer with a clear message. */
export function applyOwner(entry: string, target: MetaTarget, owner: Ownership): void {
  try {
    if (typeof target === 'number') fchownSync(target, owner.uid, owner.gid);
    else lchownSync(target, owner.uid, owner.gid);
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

/** Mode bits including setuid/setgid/sticky; set after the owner, whose change clears setuid. */
export function applyMode(target: MetaTarget, mode: number): void {
  if (typeof target === 'number') fchmodSync(target, mode & 0o7777);
  else chmodSync(target, mode & 0o7777);
}

/** Access and modification time, in seconds since the epoch. */
export function applyTimes(target: MetaTarget, seconds: number): void {
  // Node reads a negative number of seconds as "now": a Date keeps a time before 1970.
  const t = seconds < 0 ? new Date(seconds * 1000) : seconds;
  if (typeof target === 'number') futimesSync(target, t, t);
  else lutimesSync(target, t, t);
}
