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

async function readEntries(path: string, kind: 'passwd' | 'group'): Promise<Entry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
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
