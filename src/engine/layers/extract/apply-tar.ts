import { constants } from 'node:fs';
import { link, lstat, mkdir, open, rm, symlink } from 'node:fs/promises';
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
  await state.finish();
  return { diffId: tap.digest(), tarSize: tap.size, size: state.size };
}

class ApplyState {
  size = 0;
  /** Folders known to be real directories inside root (not links), relative paths. */
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
      if (header.type === 'directory') await this.setMeta(name, this.root, header, pax, 'dir');
      return;
    }
    const base = parts[parts.length - 1]!;
    const parentRel = parts.slice(0, -1).join('/');
    const parentAbs = await this.ensureParent(name, parts.slice(0, -1));

    if (base === OPAQUE) {
      await this.options.whiteouts.opaque(parentAbs, this.written.get(parentRel) ?? new Set());
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      const target = base.slice(WHITEOUT.length);
      if (!target || target === '.' || target === '..')
        throw new LayerEntryRefused(name, 'invalid whiteout name');
      await this.options.whiteouts.whiteout(parentAbs, target);
      return;
    }

    const rel = parts.join('/');
    const abs = join(parentAbs, base);
    switch (header.type) {
      case 'directory': {
        await this.prepareTarget(rel, abs, true);
        await mkdir(abs, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
        this.safeDirs.add(rel);
        await this.setMeta(name, abs, header, pax, 'dir');
        break;
      }
      case 'file':
      case 'contiguous-file': {
        await this.prepareTarget(rel, abs, false);
        const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
        const handle = await open(abs, flags, 0o600);
        try {
          for await (const chunk of body) await handle.write(chunk);
        } finally {
          await handle.close();
        }
        this.size += header.size ?? 0;
        await this.setMeta(name, abs, header, pax, 'file');
        break;
      }
      case 'symlink': {
        await this.prepareTarget(rel, abs, false);
        await symlink(header.linkname ?? '', abs);
        await this.setMeta(name, abs, header, pax, 'link');
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
        const targetAbs = join(await this.ensureParent(name, targetParts.slice(0, -1)), targetParts.at(-1)!);
        await this.prepareTarget(rel, abs, false);
        await link(targetAbs, abs);
        break;
      }
      case 'fifo': {
        await this.prepareTarget(rel, abs, false);
        await mkfifo([abs], this.options.signal);
        await this.setMeta(name, abs, header, pax, 'file');
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

  /** Makes sure every parent folder is a real directory in root (created 0755 if missing). */
  private async ensureParent(entry: string, dirs: string[]): Promise<string> {
    let rel = '';
    for (const part of dirs) {
      rel = rel ? `${rel}/${part}` : part;
      if (this.safeDirs.has(rel)) continue;
      const abs = join(this.root, rel);
      const st = await lstat(abs).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (!st) {
        await mkdir(abs, { mode: 0o755 });
      } else if (st.isSymbolicLink()) {
        throw new LayerEntryRefused(entry, `its parent ${JSON.stringify(rel)} is a symbolic link`);
      } else if (!st.isDirectory()) {
        throw new LayerEntryRefused(entry, `its parent ${JSON.stringify(rel)} is not a directory`);
      }
      this.safeDirs.add(rel);
    }
    return join(this.root, ...dirs);
  }

  /** Clears the way for a new entry: anything there goes, except a directory staying one. */
  private async prepareTarget(rel: string, abs: string, wantDir: boolean): Promise<void> {
    const st = await lstat(abs).catch(() => undefined);
    if (!st) return;
    if (wantDir && st.isDirectory()) return;
    if (st.isDirectory()) {
      for (const dir of [...this.safeDirs])
        if (dir === rel || dir.startsWith(`${rel}/`)) this.safeDirs.delete(dir);
    }
    await rm(abs, { recursive: true, force: true });
  }

  private async setMeta(
    entry: string,
    abs: string,
    header: tar.Header,
    pax: PaxRecords | undefined,
    kind: 'dir' | 'file' | 'link',
  ): Promise<void> {
    if (this.options.keepOwners !== false) {
      const paxId = (key: string) => {
        const v = pax?.get(key);
        return v ? Number.parseInt(v.toString('ascii'), 10) : undefined;
      };
      const owner: Ownership = { uid: paxId('uid') ?? header.uid ?? 0, gid: paxId('gid') ?? header.gid ?? 0 };
      await applyOwner(entry, abs, owner);
    }
    const mtime = entryMtime(pax, header.mtime);
    if (kind === 'link') {
      await applyTimes(abs, mtime);
      return;
    }
    await applyMode(abs, header.mode ?? (kind === 'dir' ? 0o755 : 0o644));
    await applyXattrs(entry, abs, entryXattrs(pax));
    if (kind === 'dir') this.dirTimes.push([abs, mtime]);
    else await applyTimes(abs, mtime);
  }

  /** Directory times last: writing into a folder changes its mtime. */
  async finish(): Promise<void> {
    for (const [abs, mtime] of this.dirTimes.reverse()) {
      await applyTimes(abs, mtime).catch(() => undefined);
    }
  }
}
