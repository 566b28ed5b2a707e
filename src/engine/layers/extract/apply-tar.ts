import { constants, linkSync, lstatSync, mkdirSync, openSync, rmSync, symlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mkfifo } from '../../../drivers/special-files.js';
import { moduleLogger } from '../../../log/index.js';
import type { WhiteoutFormat } from '../types.js';
import { applyMode, applyOwner, applyTimes, applyXattrs, entryXattrs } from './entry-metadata.js';
import { entryComponents, LayerEntryRefused } from './entry-path.js';
import { type TarEntry, type TarEntryHandler, TarReader } from './tar-reader.js';

const log = moduleLogger('layers.extract');

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

export interface ApplyOptions {
  /** How deletions and opaque directories are written (the snapshotter's). */
  whiteouts: WhiteoutFormat;
  /** Keep the tar's owners (default). False in a single-id user namespace. */
  keepOwners?: boolean;
  signal?: AbortSignal;
}

export interface ApplyResult {
  /** sha256 of the uncompressed tar: the layer's diff id. */
  diffId: string;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  /** Bytes of file content written (Docker's layer size). */
  size: number;
}

/**
 * Applies an uncompressed layer tar onto `root` (an overlay upper dir or a vfs copy). Every
 * entry is resolved inside `root`: `..` components, links as parents and hard links to
 * anything this layer did not write are refused with LayerEntryRefused, before anything is
 * written for that entry. Runs inside the user namespace, so owners are kept by lchown.
 * The file system calls are synchronous (see entry-metadata.ts): decompression runs in the
 * thread pool meanwhile, and the event loop is free again between chunks. The tar is read
 * by TarReader, which writes file data as it arrives (no stream or promise per entry).
 */
export async function applyLayerTar(
  root: string,
  input: Readable,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const state = new ApplyState(resolve(root), options);
  const reader = new TarReader(state);
  await pipeline(input, reader, { signal: options.signal });
  state.finish();
  return { diffId: reader.digest(), tarSize: reader.size, size: state.size };
}

const FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

class ApplyState implements TarEntryHandler {
  size = 0;
  /**
   * Folders known to be real directories inside root (not links), relative paths. Whenever
   * something else may take the place of one (a whiteout, an opaque folder, a new entry of
   * another type), it and everything below it are forgotten and checked again on next use.
   */
  private readonly safeDirs = new Set<string>(['']);
  /** Names this layer wrote, per folder: an opaque marker keeps them. */
  private readonly written = new Map<string, Set<string>>();
  /** Non-directory entries this layer wrote: the only valid hard link targets. */
  private readonly files = new Set<string>();
  private readonly dirTimes: [string, number][] = [];
  /** The path of the file whose data is being written. */
  private fileAbs = '';

  constructor(
    private readonly root: string,
    private readonly options: ApplyOptions,
  ) {}

  /** The entry's header: a descriptor for a file's data, a promise to wait for, or nothing. */
  begin(entry: TarEntry): number | Promise<void> | undefined {
    const name = entry.name;
    const parts = entryComponents(name);
    if (parts.length === 0) {
      if (entry.type === 'directory') this.setMeta(name, this.root, entry, 'dir');
      return undefined;
    }
    const base = parts[parts.length - 1]!;
    const rel = parts.length === 1 ? base : parts.join('/');
    const parentRel = parts.length === 1 ? '' : rel.slice(0, rel.length - base.length - 1);
    const parentAbs = this.ensureParent(name, parts, parentRel);

    if (base === OPAQUE) {
      this.forgetBelow(parentRel);
      return this.options.whiteouts.opaque(parentAbs, this.written.get(parentRel) ?? new Set());
    }
    if (base.startsWith(WHITEOUT)) {
      const target = base.slice(WHITEOUT.length);
      if (!target || target === '.' || target === '..')
        throw new LayerEntryRefused(name, 'invalid whiteout name');
      this.forget(parentRel ? `${parentRel}/${target}` : target);
      return this.options.whiteouts.whiteout(parentAbs, target);
    }

    const abs = `${parentAbs}/${base}`;
    if (entry.type !== 'directory') this.forget(rel);
    switch (entry.type) {
      case 'directory': {
        this.makeDir(rel, abs);
        this.safeDirs.add(rel);
        this.setMeta(name, abs, entry, 'dir');
        break;
      }
      case 'file':
      case 'contiguous-file': {
        const fd = this.create(rel, abs, () => openSync(abs, FILE_FLAGS, 0o600));
        this.fileAbs = abs;
        this.noteWritten(parentRel, base, rel, false);
        return fd;
      }
      case 'symlink': {
        this.create(rel, abs, () => symlinkSync(entry.linkname ?? '', abs));
        this.setMeta(name, abs, entry, 'link');
        break;
      }
      case 'link': {
        const targetParts = entryComponents(entry.linkname ?? '');
        const targetRel = targetParts.join('/');
        if (!this.files.has(targetRel)) {
          throw new LayerEntryRefused(
            name,
            `its hard link target ${JSON.stringify(entry.linkname)} is not in this layer`,
          );
        }
        const targetBase = targetParts[targetParts.length - 1]!;
        const targetParentRel = targetParts.length === 1 ? '' : targetRel.slice(0, -targetBase.length - 1);
        const targetAbs = `${this.ensureParent(name, targetParts, targetParentRel)}/${targetBase}`;
        this.create(rel, abs, () => linkSync(targetAbs, abs));
        break;
      }
      case 'fifo': {
        this.clearTarget(rel, abs, false);
        return mkfifo([abs], this.options.signal).then(() => {
          this.setMeta(name, abs, entry, 'file');
          this.noteWritten(parentRel, base, rel, false);
        });
      }
      default:
        // Device nodes cannot be made in a user namespace (EPERM): skipped, as Docker does.
        log.debug({ entry: name, type: entry.type }, 'skipping a layer entry of a type not created here');
        return undefined;
    }
    this.noteWritten(parentRel, base, rel, entry.type === 'directory');
    return undefined;
  }

  /** A file's data is written: its owner, mode, xattrs and times, on its descriptor. */
  fileDone(entry: TarEntry, fd: number): void {
    this.size += entry.size;
    this.setMeta(entry.name, this.fileAbs, entry, 'file', fd);
  }

  private noteWritten(parentRel: string, base: string, rel: string, isDir: boolean): void {
    let names = this.written.get(parentRel);
    if (!names) {
      names = new Set();
      this.written.set(parentRel, names);
    }
    names.add(base);
    if (!isDir) this.files.add(rel);
  }

  /** Drops `rel` and everything below it from the known directories. */
  private forget(rel: string): void {
    // A folder is only known when its parents are: nothing below an unknown one is either.
    if (!this.safeDirs.has(rel)) return;
    this.safeDirs.delete(rel);
    this.forgetBelow(rel);
  }

  private forgetBelow(rel: string): void {
    const prefix = rel ? `${rel}/` : '';
    for (const dir of [...this.safeDirs])
      if (dir !== rel && dir.startsWith(prefix)) this.safeDirs.delete(dir);
  }

  /**
   * Makes sure every parent folder of the entry `parts` is a real directory in root (created
   * 0755 if missing) and returns the parent's absolute path. A known parent means known
   * ancestors (a folder is forgotten with everything below it).
   */
  private ensureParent(entry: string, parts: string[], parentRel: string): string {
    if (this.safeDirs.has(parentRel)) return parentRel ? `${this.root}/${parentRel}` : this.root;
    let rel = '';
    for (let i = 0; i < parts.length - 1; i++) {
      rel = rel ? `${rel}/${parts[i]}` : parts[i]!;
      if (this.safeDirs.has(rel)) continue;
      const abs = `${this.root}/${rel}`;
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (!st) {
        mkdirSync(abs, { mode: 0o755 });
      } else if (st.isSymbolicLink()) {
        throw new LayerEntryRefused(entry, `its parent ${JSON.stringify(rel)} is a symbolic link`);
      } else if (!st.isDirectory()) {
        throw new LayerEntryRefused(entry, `its parent ${JSON.stringify(rel)} is not a directory`);
      }
      this.safeDirs.add(rel);
    }
    return `${this.root}/${parentRel}`;
  }

  /**
   * Creates a non-directory entry with `make` (which must fail with EEXIST rather than
   * follow or overwrite anything at `abs`); when something is in the way, it is removed
   * and `make` runs again. Most entries are new: this saves a lookup per entry.
   */
  private create<T>(rel: string, abs: string, make: () => T): T {
    try {
      return make();
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
    }
    this.clearTarget(rel, abs, false);
    return make();
  }

  /** A directory at `abs`: kept when one is there already (never a link to one). */
  private makeDir(rel: string, abs: string): void {
    try {
      mkdirSync(abs, { mode: 0o700 });
      return;
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
    }
    if (!this.clearTarget(rel, abs, true)) mkdirSync(abs, { mode: 0o700 });
  }

  /**
   * Clears the way for a new entry: anything there goes, except a directory staying one.
   * Returns true when a directory was kept.
   */
  private clearTarget(rel: string, abs: string, wantDir: boolean): boolean {
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return false;
    if (st.isDirectory()) {
      if (wantDir) return true;
      this.safeDirs.delete(rel);
      this.forgetBelow(rel);
    }
    rmSync(abs, { recursive: true, force: true });
    return false;
  }

  private setMeta(
    name: string,
    abs: string,
    entry: TarEntry,
    kind: 'dir' | 'file' | 'link',
    fd?: number,
  ): void {
    const target = fd ?? abs;
    if (this.options.keepOwners !== false) applyOwner(name, target, { uid: entry.uid, gid: entry.gid });
    if (kind === 'link') {
      applyTimes(abs, entry.mtime);
      return;
    }
    applyMode(target, entry.mode);
    const xattrs = entryXattrs(entry.pax);
    if (xattrs.length > 0) applyXattrs(name, abs, xattrs);
    if (kind === 'dir') this.dirTimes.push([abs, entry.mtime]);
    else applyTimes(target, entry.mtime);
  }

  /** Directory times last: writing into a folder changes its mtime. */
  finish(): void {
    for (const [abs, mtime] of this.dirTimes.reverse()) {
      try {
        applyTimes(abs, mtime);
      } catch {}
    }
  }
}
