import type { Stats } from 'node:fs';
import { lstat, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { mountAll, unmount } from '../../drivers/mount.js';
import { InvalidParameter, NotFound } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { Snapshotter } from '../layers/types.js';
import { type ContainerChange, containerChanges } from './changes.js';
import type { ContainerService } from './container-service.js';
import type { LiveContainer } from './live-container.js';
import { containerPathOf, resolveInRoot } from './root-path.js';
import { snapshotKey } from './start-container.js';
import { tarTree } from './tar-tree.js';
import { untarInto } from './untar-into.js';

const log = moduleLogger('containers.files');

/** Docker's X-Docker-Container-Path-Stat (mode in Go's os.FileMode encoding). */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export interface ContainerFilesOptions {
  containers: ContainerService;
  snapshotter: () => Promise<Snapshotter>;
}

/** Go's os.FileMode bits. */
const GO_DIR = 2 ** 31;
const GO_SYMLINK = 2 ** 27;
const GO_DEVICE = 2 ** 26;
const GO_PIPE = 2 ** 25;
const GO_SOCKET = 2 ** 24;
const GO_SETUID = 2 ** 23;
const GO_SETGID = 2 ** 22;
const GO_CHARDEV = 2 ** 21;
const GO_STICKY = 2 ** 20;

export function goFileMode(st: Stats): number {
  let m = st.mode & 0o777;
  if (st.isDirectory()) m += GO_DIR;
  else if (st.isSymbolicLink()) m += GO_SYMLINK;
  else if (st.isFIFO()) m += GO_PIPE;
  else if (st.isSocket()) m += GO_SOCKET;
  else if (st.isCharacterDevice()) m += GO_DEVICE + GO_CHARDEV;
  else if (st.isBlockDevice()) m += GO_DEVICE;
  if (st.mode & 0o4000) m += GO_SETUID;
  if (st.mode & 0o2000) m += GO_SETGID;
  if (st.mode & 0o1000) m += GO_STICKY;
  return m;
}

/** `/a/b/.` → `.`; `/a/b/` and `/a/b` → `b`; `/` → `/`. */
function baseName(abs: string): string {
  if (abs.endsWith('/.')) return '.';
  const trimmed = abs.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** The container path as Docker reads it: absolute, a trailing `/` or `/.` kept. */
function absolute(path: string): string {
  if (!path) throw new InvalidParameter('path is required');
  return path.startsWith('/') ? path : `/${path}`;
}

/** docker cp (both ways), export and diff over a container's root filesystem. */
export class ContainerFiles {
  constructor(private readonly o: ContainerFilesOptions) {}

  /**
   * Runs `fn` with the container's rootfs on the host: the live mount of a running container,
   * or a temporary mount of a stopped one (held under the container's lock, so no start
   * mounts it meanwhile).
   */
  private async withRootfs<T>(c: LiveContainer, fn: (root: string) => Promise<T>): Promise<T> {
    if (c.state.mounted) return fn(c.paths.rootfs);
    return c.locked(async () => {
      if (c.state.mounted) return fn(c.paths.rootfs);
      const snapshotter = await this.o.snapshotter();
      const mounts = await snapshotter.mounts(snapshotKey(c.id));
      const where = join(c.paths.bundle, 'files');
      await mkdir(where, { recursive: true });
      await mountAll(mounts, where);
      try {
        return await fn(where);
      } finally {
        await unmount(where).catch(async (err: unknown) => {
          log.warn({ err, id: c.id }, 'rootfs unmount failed; detaching');
          await unmount(where, { lazy: true }).catch(() => undefined);
        });
        await rm(where, { recursive: true, force: true }).catch(() => undefined);
      }
    });
  }

  /** Runs `fn` (which returns a stream) with the rootfs held until the stream ends. */
  private async streamRootfs<T extends { stream: Readable }>(
    c: LiveContainer,
    fn: (root: string) => Promise<T>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.withRootfs(c, async (root) => {
        const result = await fn(root);
        resolve(result);
        await finished(result.stream).catch(() => undefined);
      }).catch(reject);
    });
  }

  private async statIn(root: string, ref: string, path: string): Promise<{ host: string; stat: PathStat }> {
    const abs = absolute(path);
    const follow = abs.endsWith('/') || abs.endsWith('/.');
    const host = await resolveInRoot(root, abs, follow);
    const st = await lstat(host).catch(() => undefined);
    if (!st) throw new NotFound(`Could not find the file ${path} in container ${ref}`);
    let linkTarget = '';
    if (st.isSymbolicLink()) linkTarget = containerPathOf(root, await resolveInRoot(root, abs, true));
    return {
      host,
      stat: {
        name: baseName(abs),
        size: st.size,
        mode: goFileMode(st),
        mtime: st.mtime.toISOString(),
        linkTarget,
      },
    };
  }

  /** Runs `fn` with the root file system of the container `ref` on the host (the builder's COPY). */
  withRoot<T>(ref: string, fn: (root: string) => Promise<T>): Promise<T> {
    return this.withRootfs(this.o.containers.get(ref), fn);
  }

  /** HEAD /containers/{id}/archive. */
  async stat(ref: string, path: string): Promise<PathStat> {
    const c = this.o.containers.get(ref);
    return this.withRootfs(c, async (root) => (await this.statIn(root, ref, path)).stat);
  }

  /** GET /containers/{id}/archive: the stat and a tar of the path. */
  async archive(ref: string, path: string): Promise<{ stat: PathStat; stream: Readable }> {
    const c = this.o.containers.get(ref);
    return this.streamRootfs(c, async (root) => {
      const { host, stat } = await this.statIn(root, ref, path);
      return { stat, stream: tarTree({ source: host, name: stat.name === '/' ? '.' : stat.name }) };
    });
  }

  /** PUT /containers/{id}/archive: extracts a tar into the directory at `path`. */
  async extract(
    ref: string,
    path: string,
    input: Readable,
    options: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean },
  ): Promise<void> {
    const c = this.o.containers.get(ref);
    if (hostConfigReadonly(c)) throw new InvalidParameter('container rootfs is marked read-only');
    await this.withRootfs(c, async (root) => {
      const host = await resolveInRoot(root, absolute(path), true);
      const st = await lstat(host).catch(() => undefined);
      if (!st) throw new NotFound(`Could not find the file ${path} in container ${ref}`);
      if (!st.isDirectory()) throw new InvalidParameter('extraction point is not a directory');
      await untarInto(input, {
        root,
        dir: containerPathOf(root, host),
        noOverwriteDirNonDir: options.noOverwriteDirNonDir,
        copyUIDGID: options.copyUIDGID,
      });
    });
  }

  /** GET /containers/{id}/export: a tar of the whole root filesystem. */
  async export(ref: string): Promise<Readable> {
    const c = this.o.containers.get(ref);
    const { stream } = await this.streamRootfs(c, async (root) => ({
      stream: tarTree({ source: root, name: '' }),
    }));
    return stream;
  }

  /** GET /containers/{id}/changes. */
  async changes(ref: string): Promise<ContainerChange[]> {
    const c = this.o.containers.get(ref);
    const snapshotter = await this.o.snapshotter();
    return containerChanges(snapshotter, snapshotKey(c.id));
  }
}

function hostConfigReadonly(c: LiveContainer): boolean {
  return Boolean((c.record.hostConfig as { ReadonlyRootfs?: boolean }).ReadonlyRootfs);
}
