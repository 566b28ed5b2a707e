import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameter } from '../../errdefs/index.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface Entry {
  name: string;
  id: number;
  gid: number;
  home: string;
  members: string[];
}

/** Larger files are read through the thread pool. */
const SYNC_READ_MAX = 256 * 1024;

/**
 * The text of /etc/passwd or /etc/group of the image: a small one in synchronous calls
 * (~0.05 ms, against four hand-overs to the thread pool and back). The image owns the file:
 * it is opened non-blocking, and anything but a regular file (a FIFO would hold the reader
 * for ever) counts as empty.
 */
function readImageFile(path: string): string | Promise<string> {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return '';
    if (st.size > SYNC_READ_MAX) return readFile(path, 'utf8');
    const buf = Buffer.alloc(st.size);
    let n = 0;
    for (let r = 1; n < buf.length && r > 0; n += r) r = readSync(fd, buf, n, buf.length - n, n);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

async function readEntries(path: string, kind: 'passwd' | 'group'): Promise<Entry[]> {
  let text: string;
  try {
    text = await readImageFile(path);
  } catch {
    return [];
  }
  const out: Entry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (kind === 'passwd') {
      out.push({ name: f[0] ?? '', id: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/', members: [] });
    } else {
      const id = Number(f[2]);
      out.push({ name: f[0] ?? '', id, gid: id, home: '', members: (f[3] ?? '').split(',').filter(Boolean) });
    }
  }
  return out;
}

const NUMERIC = /^\d+$/;

/**
 * Docker's `User` (`name`, `uid`, `name:group`, `uid:gid`) resolved against the container's
 * own /etc/passwd and /etc/group; `GroupAdd` added as supplementary groups.
 */
export async function resolveUser(
  rootfs: string,
  spec: string,
  groupAdd: readonly string[] = [],
): Promise<ResolvedUser> {
  const [userPart = '', groupPart] = spec.split(':', 2);
  const [passwd, groups] = await Promise.all([
    readEntries(join(rootfs, 'etc/passwd'), 'passwd'),
    readEntries(join(rootfs, 'etc/group'), 'group'),
  ]);
  let uid = 0;
  let gid = 0;
  let home = '/';
  let userName: string | undefined;
  if (userPart === '') {
    const root = passwd.find((p) => p.id === 0);
    if (root) {
      home = root.home;
      userName = root.name;
    }
  } else if (NUMERIC.test(userPart)) {
    uid = Number(userPart);
    const found = passwd.find((p) => p.id === uid);
    if (found) {
      gid = found.gid;
      home = found.home;
      userName = found.name;
    }
  } else {
    const found = passwd.find((p) => p.name === userPart);
    if (!found)
      throw new InvalidParameter(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = found.id;
    gid = found.gid;
    home = found.home;
    userName = found.name;
  }
  const lookupGroup = (g: string): number => {
    if (NUMERIC.test(g)) return Number(g);
    const found = groups.find((e) => e.name === g);
    if (!found) throw new InvalidParameter(`unable to find group ${g}: no matching entries in group file`);
    return found.id;
  };
  if (groupPart !== undefined && groupPart !== '') gid = lookupGroup(groupPart);
  const additional = new Set<number>();
  if (userName && groupPart === undefined) {
    for (const g of groups) if (g.members.includes(userName) && g.id !== gid) additional.add(g.id);
  }
  for (const g of groupAdd) additional.add(lookupGroup(g));
  return { uid, gid, additionalGids: [...additional], home: home || '/' };
}
