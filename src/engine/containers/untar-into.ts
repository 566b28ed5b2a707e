import { constants, createWriteStream } from 'node:fs';
import { lchown, link, lstat, lutimes, mkdir, open, rm, symlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { InvalidParameter } from '../../errdefs/index.js';
import { resolveInRoot } from './root-path.js';

export interface UntarOptions {
  /** The container's root on the host. */
  root: string;
  /** The container directory to extract into (already known to be a directory). */
  dir: string;
  /** Refuse to replace a directory by a non-directory and the reverse. */
  noOverwriteDirNonDir: boolean;
  /** Keep the archive's uid/gid; otherwise the files belong to the container's root. */
  copyUIDGID: boolean;
}

/** Splits a tar entry name into components; `..` anywhere is refused. */
function components(name: string): string[] {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || p.includes('\0')))
    throw new InvalidParameter(`refusing archive entry ${JSON.stringify(name)}: it leaves the destination`);
  return parts;
}

/**
 * Extracts a tar into a container directory. Every entry's parent is resolved inside the
 * container's root (its symlinks followed as if chrooted), the entry itself is never
 * followed: an existing symlink in its place is replaced, not written through.
 */
export async function untarInto(input: Readable, o: UntarOptions): Promise<void> {
  const extract = tar.extract();
  const dirTimes: Array<{ path: string; mtime: Date }> = [];
  const work = (async () => {
    for await (const entry of extract) {
      const h = entry.header;
      try {
        const parts = components(h.name);
        if (parts.length === 0) {
          entry.resume();
          continue;
        }
        const containerPath = `${o.dir}/${parts.join('/')}`;
        const target = await resolveInRoot(o.root, containerPath, false);
        const parent = target.slice(0, target.lastIndexOf('/'));
        await mkdir(parent, { recursive: true });
        const existing = await lstat(target).catch(() => undefined);
        const isDir = h.type === 'directory';
        if (existing) {
          if (o.noOverwriteDirNonDir && existing.isDirectory() !== isDir)
            throw new InvalidParameter(
              existing.isDirectory()
                ? `cannot overwrite directory "${containerPath}" with non-directory "${h.name}"`
                : `cannot overwrite non-directory "${containerPath}" with directory "${h.name}"`,
            );
          if (!(isDir && existing.isDirectory())) await rm(target, { recursive: true, force: true });
        }
        switch (h.type) {
          case 'directory':
            await mkdir(target, { recursive: true });
            break;
          case 'file':
          case 'contiguous-file':
            await pipeline(
              entry as unknown as AsyncIterable<Uint8Array>,
              createWriteStream(target, { flags: 'wx', mode: 0o600 }),
            );
            break;
          case 'symlink':
            await symlink(h.linkname ?? '', target);
            break;
          case 'link': {
            const source = await resolveInRoot(
              o.root,
              `${o.dir}/${components(h.linkname ?? '').join('/')}`,
              false,
            );
            await link(source, target);
            break;
          }
          default:
            // Devices, fifos and the rest need privileges a user namespace may lack: skipped.
            entry.resume();
            continue;
        }
        entry.resume();
        const uid = o.copyUIDGID ? (h.uid ?? 0) : 0;
        const gid = o.copyUIDGID ? (h.gid ?? 0) : 0;
        const mtime = h.mtime ?? new Date();
        if (h.type === 'symlink') {
          await lchown(target, uid, gid).catch(() => undefined);
          await lutimes(target, mtime, mtime).catch(() => undefined);
        } else {
          // Through a descriptor opened without following links: a running container that
          // swaps the entry for a symlink meanwhile cannot redirect the chown/chmod.
          const fh = await open(
            target,
            constants.O_RDONLY |
              constants.O_NOFOLLOW |
              constants.O_NONBLOCK |
              (isDir ? constants.O_DIRECTORY : 0),
          );
          try {
            await fh.chown(uid, gid).catch(() => undefined);
            await fh.chmod((h.mode ?? 0o644) & 0o7777);
            if (!isDir) await fh.utimes(mtime, mtime).catch(() => undefined);
          } finally {
            await fh.close();
          }
          if (isDir) dirTimes.push({ path: target, mtime });
        }
      } catch (err) {
        entry.resume();
        throw err;
      }
    }
  })();
  const piping = pipeline(input, extract);
  piping.catch(() => undefined);
  try {
    await work;
    await piping;
  } catch (err) {
    extract.destroy();
    input.destroy();
    throw err;
  }
  for (const d of dirTimes.reverse()) await lutimes(d.path, d.mtime, d.mtime).catch(() => undefined);
}
