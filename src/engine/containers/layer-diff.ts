import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { xattr } from '../../drivers/npm-addons.js';
import { moduleLogger } from '../../log/index.js';

const log = moduleLogger('containers.layer-diff');

type HeaderArg = Partial<tar.Header> & { name: string };

/** AUFS-style whiteout names, as layer tars carry them. */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/** The xattrs that mark an upper directory opaque, per overlay implementation. */
const OPAQUE_XATTRS = ['user.overlay.opaque', 'user.fuseoverlayfs.opaque', 'trusted.overlay.opaque'];

/** Xattrs that belong to the overlay that wrote the upper dir: never part of a layer. */
export function isOverlayPrivateXattr(name: string): boolean {
  return (
    name.startsWith('user.overlay.') || name.startsWith('user.fuseoverlayfs.') || name.startsWith('trusted.')
  );
}

/** A deletion in an overlay upper dir: a character device 0/0 (several may share one inode). */
export function isWhiteoutDevice(st: Pick<Stats, 'rdev'> & { isCharacterDevice(): boolean }): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** `a/b/name` → `a/b/.wh.name`. */
export function whiteoutEntryName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0
    ? `${WHITEOUT_PREFIX}${path}`
    : `${path.slice(0, i + 1)}${WHITEOUT_PREFIX}${path.slice(i + 1)}`;
}

export interface LayerDiffOptions {
  /** The snapshot's own folder (an overlay upper dir). */
  upper: string;
  /** Relative paths (no leading slash) to leave out, e.g. mount points the engine created. */
  skip?: (relative: string, st: Stats) => boolean;
  /** Directories written only when something below them is (mount points the runtime touched). */
  lazyDir?: (relative: string) => boolean;
  /**
   * For a snapshot that is a full copy (vfs): the parent's whole tree. The diff is then found
   * by comparing the two trees (as Docker's ChangesDirs: type, mode, owner, size, mtime, link
   * target), and a name only the parent has becomes a whiteout.
   */
  lower?: string;
}

/** Whether a path is the same in the container and its parent (vfs comparison). */
async function unchanged(st: Stats, low: Stats, host: string, lowHost: string): Promise<boolean> {
  if ((st.mode & 0o170000) !== (low.mode & 0o170000)) return false;
  if (st.mode !== low.mode || st.uid !== low.uid || st.gid !== low.gid) return false;
  if (st.isDirectory()) return true; // its entries are compared one by one
  if (st.size !== low.size || st.mtimeMs !== low.mtimeMs || st.rdev !== low.rdev) return false;
  if (st.isSymbolicLink()) return (await readlink(host)) === (await readlink(lowHost));
  return true;
}

/** The xattrs a layer keeps: user ones (not the overlay's) and file capabilities. */
async function layerXattrs(path: string, st: Stats): Promise<[string, Buffer][]> {
  if (st.isSymbolicLink() || !(st.isFile() || st.isDirectory())) return [];
  const { getAttribute, listAttributes } = xattr();
  const names = await listAttributes(path).catch(() => [] as string[]);
  const out: [string, Buffer][] = [];
  for (const name of names.sort()) {
    if (isOverlayPrivateXattr(name)) continue;
    if (!(name.startsWith('user.') || name === 'security.capability')) continue;
    const value = await getAttribute(path, name).catch(() => null);
    if (value) out.push([name, value]);
  }
  return out;
}

async function isOpaque(path: string, names: readonly string[]): Promise<boolean> {
  if (names.includes(OPAQUE_MARKER)) return false; // the marker file itself is emitted as is
  const { getAttribute } = xattr();
  for (const x of OPAQUE_XATTRS) {
    const v = await getAttribute(path, x).catch(() => null);
    if (v && v.toString() === 'y') return true;
  }
  return false;
}

/**
 * The file's first `size` bytes, padded with zeros when it shrank meanwhile (a running
 * container may write while it is committed: the header's size must hold).
 */
async function* exactly(fh: FileHandle, size: number): AsyncGenerator<Buffer> {
  try {
    let at = 0;
    while (at < size) {
      const buf = Buffer.alloc(Math.min(256 * 1024, size - at));
      const { bytesRead } = await fh.read(buf, 0, buf.length, at);
      if (bytesRead === 0) {
        yield Buffer.alloc(size - at);
        return;
      }
      at += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * A layer tar (uncompressed) of an overlay upper dir, as Docker's overlay2 driver writes a
 * diff: entries named relative to the layer root (directories end in `/`), in lexical order;
 * each whiteout device becomes an empty `.wh.NAME` file (mode 0600), an opaque directory is
 * followed by a `.wh..wh..opq` entry, the overlay's own xattrs are dropped, hard links within
 * the layer are stored once. Must run inside the user namespace so owners read back as the
 * container sees them.
 */
export function layerDiff(o: LayerDiffOptions): Readable {
  const pack = tar.pack();
  const seen = new Map<string, string>();
  const put = (header: HeaderArg, body?: Readable) =>
    new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      // A file entry without a body must still be ended (an empty buffer does).
      if (!body) {
        if (header.type === 'file') pack.entry(header, Buffer.alloc(0), done);
        else pack.entry(header, done);
        return;
      }
      const sink = pack.entry(header, done);
      body.on('error', (err) => sink.destroy(err));
      body.pipe(sink);
    });
  /** Writes the header; xattrs go in PAX records (tar-stream writes them as UTF-8 text). */
  const entry = async (header: HeaderArg, xattrs: [string, Buffer][], body?: Readable) => {
    const pax: Record<string, string> = {};
    for (const [k, v] of xattrs) {
      const text = v.toString('utf8');
      if (Buffer.from(text, 'utf8').equals(v)) pax[`SCHILY.xattr.${k}`] = text;
      else log.warn({ path: header.name, xattr: k }, 'binary extended attribute left out of the layer');
    }
    return put(Object.keys(pax).length ? { ...header, pax } : header, body);
  };

  /** Headers of lazy directories, written before the first entry below them. */
  let pending: (() => Promise<void>)[] = [];
  const flush = async () => {
    const todo = pending;
    pending = [];
    for (const write of todo) await write();
  };

  const walk = async (rel: string, compare: boolean): Promise<void> => {
    const dir = rel === '' ? o.upper : join(o.upper, rel);
    const own = await readdir(dir).catch(() => [] as string[]);
    const lowerDir = o.lower && compare ? (rel === '' ? o.lower : join(o.lower, rel)) : undefined;
    const below = lowerDir ? await readdir(lowerDir).catch(() => [] as string[]) : [];
    const names = [...new Set([...own, ...below])].sort();
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const host = join(o.upper, path);
      const st = await lstat(host).catch(() => undefined);
      const lowHost = lowerDir ? join(lowerDir, name) : undefined;
      const low = lowHost ? await lstat(lowHost).catch(() => undefined) : undefined;
      if (!st) {
        if (low && !o.skip?.(path, low)) {
          await flush();
          await put({ name: whiteoutEntryName(path), mode: 0o600, type: 'file', size: 0, mtime: low.mtime });
        }
        continue;
      }
      if (o.skip?.(path, st)) continue;
      const same = low && lowHost ? await unchanged(st, low, host, lowHost) : false;
      if (same && !st.isDirectory()) continue;
      const lazy = same || o.lazyDir?.(path);
      if (!(st.isDirectory() && lazy)) await flush();
      const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
      if (isWhiteoutDevice(st)) {
        await put({ ...base, name: whiteoutEntryName(path), mode: 0o600, type: 'file', size: 0 });
        continue;
      }
      const xattrs = await layerXattrs(host, st);
      if (st.isDirectory()) {
        const children = await readdir(host).catch(() => [] as string[]);
        const opaque = await isOpaque(host, children);
        const header = async () => {
          await entry({ ...base, name: `${path}/`, type: 'directory' }, xattrs);
          if (opaque)
            await put({
              ...base,
              name: `${path}/${OPAQUE_MARKER}`,
              mode: st.mode & 0o777,
              type: 'file',
              size: 0,
            });
        };
        const inBoth = Boolean(low?.isDirectory());
        if (lazy && !opaque) {
          const depth = pending.length;
          pending.push(header);
          await walk(path, inBoth);
          // Nothing below was written: the directory is left out.
          if (pending.length > depth) pending = pending.slice(0, depth);
        } else {
          await header();
          await walk(path, inBoth);
        }
      } else if (st.isSymbolicLink()) {
        await entry({ ...base, name: path, type: 'symlink', linkname: await readlink(host) }, []);
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? seen.get(key) : undefined;
        if (first !== undefined) {
          await entry({ ...base, name: path, type: 'link', linkname: first }, []);
          continue;
        }
        if (st.nlink > 1) seen.set(key, path);
        // No more than the size in the header is read (a running container may write meanwhile).
        if (st.size === 0) {
          await entry({ ...base, name: path, type: 'file', size: 0 }, xattrs);
        } else {
          const fh = await open(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
            () => undefined,
          );
          if (!fh) continue; // removed meanwhile by the running container
          const body = Readable.from(exactly(fh, st.size));
          await entry({ ...base, name: path, type: 'file', size: st.size }, xattrs, body);
        }
      } else if (st.isFIFO()) {
        await entry({ ...base, name: path, type: 'fifo' }, []);
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        await entry(
          {
            ...base,
            name: path,
            type: st.isCharacterDevice() ? 'character-device' : 'block-device',
            devmajor: Math.floor(st.rdev / 256),
            devminor: st.rdev % 256,
          },
          [],
        );
      } else {
        log.debug({ path }, 'socket left out of the layer');
      }
    }
  };

  walk('', true).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return Readable.from(pack);
}
