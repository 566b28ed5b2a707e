import { createReadStream } from 'node:fs';
import {
  copyFile,
  lchown,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  readlink,
  rm,
  symlink,
} from 'node:fs/promises';
import { posix } from 'node:path';
import { InvalidParameter } from '../../errdefs/index.js';
import { resolveInRoot } from '../containers/root-path.js';
import { untarInto } from '../containers/untar-into.js';
import { decompress, localArchive } from './archive-stream.js';
import type { CopySource } from './copy-sources.js';

export interface Owner {
  uid: number;
  gid: number;
}

/** Creates the container directory `dir` and missing parents (0755, owned by `owner`). */
export async function mkdirInRoot(root: string, dir: string, owner: Owner): Promise<string> {
  const parts = dir.split('/').filter(Boolean);
  let current = '';
  let host = root;
  for (const p of parts) {
    current += `/${p}`;
    host = await resolveInRoot(root, current, true);
    const st = await lstat(host).catch(() => undefined);
    if (st?.isDirectory()) continue;
    if (st) throw new InvalidParameter(`cannot create directory ${current}: a file is in the way`);
    await mkdir(host, { mode: 0o755 });
    await lchown(host, owner.uid, owner.gid);
  }
  return host;
}

/** Copies one entry (not following it) to `target`, recursively for folders. */
async function copyEntry(src: string, target: string, owner: Owner): Promise<void> {
  const st = await lstat(src);
  const existing = await lstat(target).catch(() => undefined);
  if (existing && !(existing.isDirectory() && st.isDirectory()))
    await rm(target, { recursive: true, force: true });
  if (st.isDirectory()) {
    if (!existing?.isDirectory()) await mkdir(target);
    for (const n of await readdir(src)) await copyEntry(`${src}/${n}`, `${target}/${n}`, owner);
  } else if (st.isSymbolicLink()) {
    await symlink(await readlink(src), target);
  } else if (st.isFile()) {
    await copyFile(src, target);
  } else return;
  await lchown(target, owner.uid, owner.gid);
  if (!st.isSymbolicLink()) {
    const fh = await open(target, 'r');
    try {
      await fh.chmod(st.mode & 0o7777);
    } finally {
      await fh.close();
    }
  }
  await lutimes(target, st.atime, st.mtime).catch(() => undefined);
}

export interface CopyOptions {
  /** The container's root on the host. */
  root: string;
  /** The destination as a container path (absolute; a trailing `/` means a folder). */
  dest: string;
  owner: Owner;
  /** ADD: local tar archives are extracted into the destination. */
  extractArchives: boolean;
  what: string;
}

/**
 * COPY/ADD into a container's root as Docker does: a folder's contents go into the
 * destination, a file goes to `dest/name` when the destination is a folder (a trailing `/`,
 * several sources, or an existing folder) and to `dest` otherwise. Every path is resolved
 * inside the root; new files and folders belong to `owner` (root unless `--chown`).
 */
export async function copyInto(sources: readonly CopySource[], o: CopyOptions): Promise<void> {
  const existing = await lstat(await resolveInRoot(o.root, o.dest, true)).catch(() => undefined);
  const destIsDir = o.dest.endsWith('/') || existing?.isDirectory() === true;
  if (sources.length > 1 && !o.dest.endsWith('/'))
    throw new InvalidParameter(
      `When using ${o.what} with more than one source file, the destination must be a directory and end with a /`,
    );
  for (const s of sources) {
    if (s.isDir) {
      await mkdirInRoot(o.root, o.dest, o.owner);
      for (const n of await readdir(s.host))
        await copyEntry(`${s.host}/${n}`, await resolveInRoot(o.root, posix.join(o.dest, n), false), o.owner);
      continue;
    }
    const kind = o.extractArchives ? await localArchive(s.host) : undefined;
    if (kind) {
      await mkdirInRoot(o.root, o.dest, o.owner);
      const input = decompress(createReadStream(s.host), kind);
      await untarInto(input, { root: o.root, dir: o.dest, noOverwriteDirNonDir: false, copyUIDGID: true });
      continue;
    }
    const target = destIsDir ? posix.join(o.dest, s.name) : o.dest;
    await mkdirInRoot(o.root, posix.dirname(target), o.owner);
    await copyEntry(s.host, await resolveInRoot(o.root, target, false), o.owner);
  }
}
