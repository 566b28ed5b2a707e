import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';

type HeaderArg = Partial<tar.Header> & { name: string };

export interface TarTreeOptions {
  /** Host path of the file or directory to archive (not followed when it is a symlink). */
  source: string;
  /** The name of `source` in the archive (`.` gives `./x` entries; `''` archives a
   * directory's contents with bare names, as `docker export` does). */
  name: string;
  /** Container paths (relative to `source`, no leading slash) to leave out. */
  skip?: (relative: string) => boolean;
}

function headerOf(name: string, st: Stats): HeaderArg {
  return {
    name,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: st.mtime,
  };
}

/** A tar stream of a host tree, symlinks stored as links and hard links once. */
export function tarTree(o: TarTreeOptions): Readable {
  const pack = tar.pack();
  const seen = new Map<string, string>();
  const entry = (header: HeaderArg, body?: Readable) =>
    new Promise<void>((resolve, reject) => {
      if (!body) {
        pack.entry(header, (err) => (err ? reject(err) : resolve()));
        return;
      }
      const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
      body.on('error', (err) => sink.destroy(err));
      body.pipe(sink);
    });

  const walk = async (host: string, name: string, rel: string): Promise<void> => {
    if (rel && o.skip?.(rel)) return;
    const st = await lstat(host).catch(() => undefined);
    if (!st) return;
    const h = headerOf(name, st);
    if (st.isDirectory()) {
      if (name !== '') await entry({ ...h, name: name.endsWith('/') ? name : `${name}/`, type: 'directory' });
      const children = (await readdir(host).catch(() => [] as string[])).sort();
      const prefix = name === '' ? '' : `${name.replace(/\/$/, '')}/`;
      for (const child of children)
        await walk(join(host, child), `${prefix}${child}`, rel ? `${rel}/${child}` : child);
    } else if (st.isSymbolicLink()) {
      await entry({ ...h, type: 'symlink', linkname: await readlink(host) });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? seen.get(key) : undefined;
      if (first !== undefined) {
        await entry({ ...h, type: 'link', linkname: first });
        return;
      }
      if (st.nlink > 1) seen.set(key, name);
      // Opened without following a link (a running container may swap the file meanwhile);
      // no more than the size in the header is read (the file may grow meanwhile).
      const fh = await open(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      const body = st.size > 0 ? fh.createReadStream({ start: 0, end: st.size - 1 }) : undefined;
      if (!body) await fh.close();
      await entry({ ...h, type: 'file', size: st.size }, body ?? Readable.from([]));
    } else if (st.isFIFO()) {
      await entry({ ...h, type: 'fifo' });
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      await entry({
        ...h,
        type: st.isCharacterDevice() ? 'character-device' : 'block-device',
        devmajor: Math.floor(st.rdev / 256),
        devminor: st.rdev % 256,
      });
    }
    // Sockets are not archived (as tar does).
  };

  walk(o.source, o.name, '').then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return Readable.from(pack);
}
