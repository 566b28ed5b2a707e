import {
  closeSync,
  constants,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { mkfifo } from '../../../drivers/special-files.js';
import { moduleLogger } from '../../../log/index.js';
import type { WhiteoutFormat } from '../types.js';
import {
  applyMode,
  applyOwner,
  applyTimes,
  applyXattrs,
  entryMtime,
  entryXattrs,
  type Ownership,
} from './entry-metadata.js';
import { entryComponents, LayerEntryRefused } from './entry-path.js';
import { type PaxRecords, PaxTap } from './pax-tap.js';

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
 * thread pool meanwhile, and the event loop is free again between entries and chunks.
 */
export async function applyLayerTar(
  root: string,
  input: Readable,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const tap = new PaxTap();
  const extract = tar.extract();
  const piping = pipeline(input, tap, extract, { signal: options.signal });
  // A cancelled pull rejects the pipeline while the loop below still waits on an entry:
  // observe it at once so it is never an unhandled rejection; it is awaited below.
  piping.catch(() => undefined);
  const state = new ApplyState(root, options);
  try {
    for await (const entry of extract) {
      const pax = tap.nextEntryPax();
      // streamx Readables are async iterable at run time; their typings omit it.
      await state.apply(entry.header, pax, entry as unknown as AsyncIterable<Uint8Array>);
      entry.resume();
    }
    await piping;
  } catch (err) {
    extract.destroy();
    input.destroy();
    await piping.catch(() => undefined);
    throw err;
  }
  state.finish();
  return { diffId: tap.digest(), tarSize: tap.size, size: state.size };
}

const FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let offset = 0;
  while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
}

class ApplyState {
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
  private readonly dirTimes: [string, Date][] = [];

  constructor(
    private readonly root: string,
    private readonly options: ApplyOptions,
  ) {}

  async apply(
    header: tar.Header,
    pax: PaxRecords | undefined,
    body: AsyncIterable<Uint8Array>,
  ): Promise<void> {
    const name = header.name;
    const parts = entryComponents(name);
    if (parts.length === 0) {
      if (header.type === 'directory') this.setMeta(name, this.root, header, pax, 'dir');
      return;
    }
    const base = parts[parts.length - 1]!;
    const parentRel = parts.slice(0, -1).join('/');
    const parentAbs = this.ensureParent(name, parts.slice(0, -1));

    if (base === OPAQUE) {
      this.forgetBelow(parentRel);
      await this.options.whiteouts.opaque(parentAbs, this.written.get(parentRel) ?? new Set());
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      const target = base.slice(WHITEOUT.length);
      if (!target || target === '.' || target === '..')
        throw new LayerEntryRefused(name, 'invalid whiteout name');
      this.forget(parentRel ? `${parentRel}/${target}` : target);
      await this.options.whiteouts.whiteout(parentAbs, target);
      return;
    }

    const rel = parts.join('/');
    const abs = join(parentAbs, base);
    if (header.type !== 'directory') this.forget(rel);
    switch (header.type) {
      case 'directory': {
        this.makeDir(rel, abs);
        this.safeDirs.add(rel);
        this.setMeta(name, abs, header, pax, 'dir');
        break;
      }
      case 'file':
      case 'contiguous-file': {
        const fd = this.create(rel, abs, () => openSync(abs, FILE_FLAGS, 0o600));
        try {
          for await (const chunk of body) writeAll(fd, chunk);
          this.size += header.size ?? 0;
          this.setMeta(name, abs, header, pax, 'file', fd);
        } finally {
          closeSync(fd);
        }
        break;
      }
      case 'symlink': {
        this.create(rel, abs, () => symlinkSync(header.linkname ?? '', abs));
        this.setMeta(name, abs, header, pax, 'link');
        break;
      }
      case 'link': {
        const targetParts = entryComponents(header.linkname ?? '');
        const targetRel = targetParts.join('/');
        if (!this.files.has(targetRel)) {
          throw new LayerEntryRefused(
            name,
            `its hard link target ${JSON.stringify(header.linkname)} is not in this layer`,
          );
        }
        const targetAbs = join(this.ensureParent(name, targetParts.slice(0, -1)), targetParts.at(-1)!);
        this.create(rel, abs, () => linkSync(targetAbs, abs));
        break;
      }
      case 'fifo': {
        this.clearTarget(rel, abs, false);
        await mkfifo([abs], this.options.signal);
        this.setMeta(name, abs, header, pax, 'file');
        break;
      }
      default:
        // Device nodes cannot be made in a user namespace (EPERM): skipped, as Docker does.
        log.debug({ entry: name, type: header.type }, 'skipping a layer entry of a type not created here');
        return;
    }
    this.noteWritten(parentRel, base, rel, header.type === 'directory');
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

  /** Makes sure every parent folder is a real directory in root (created 0755 if missing). */
  private ensureParent(entry: string, dirs: string[]): string {
    let rel = '';
    for (const part of dirs) {
      rel = rel ? `${rel}/${part}` : part;
      if (this.safeDirs.has(rel)) continue;
      const abs = join(this.root, rel);
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
    return dirs.length === 0 ? this.root : join(this.root, ...dirs);
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
    entry: string,
    abs: string,
    header: tar.Header,
    pax: PaxRecords | undefined,
    kind: 'dir' | 'file' | 'link',
    fd?: number,
  ): void {
    const target = fd ?? abs;
    if (this.options.keepOwners !== false) {
      const paxId = (key: string) => {
        const v = pax?.get(key);
        return v ? Number.parseInt(v.toString('ascii'), 10) : undefined;
      };
      const owner: Ownership = { uid: paxId('uid') ?? header.uid ?? 0, gid: paxId('gid') ?? header.gid ?? 0 };
      applyOwner(entry, target, owner);
    }
    const mtime = entryMtime(pax, header.mtime);
    if (kind === 'link') {
      applyTimes(abs, mtime);
      return;
    }
    applyMode(target, header.mode ?? (kind === 'dir' ? 0o755 : 0o644));
    const xattrs = entryXattrs(pax);
    if (xattrs.length > 0) applyXattrs(entry, abs, xattrs);
    if (kind === 'dir') this.dirTimes.push([abs, mtime]);
    else applyTimes(target, mtime);
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
