import type { MountSpec } from '../../drivers/mount.js';

/** The storage drivers rootlessd knows, by Docker's names (`overlay2` is an alias of `overlay`). */
export type StorageDriverName = 'overlay' | 'fuse-overlayfs' | 'vfs';

export const STORAGE_DRIVERS: readonly StorageDriverName[] = ['overlay', 'fuse-overlayfs', 'vfs'];

/**
 * A mount description, as in containerd: what to mount, never mounted by the snapshotter
 * (src/drivers/mount.ts mounts it).
 */
export type Mount = MountSpec;

/** `committed` snapshots are layers; `active` ones are writable (containers); `view` read-only. */
export type SnapshotKind = 'committed' | 'active' | 'view';

export interface SnapshotInfo {
  key: string;
  parent: string | undefined;
  kind: SnapshotKind;
  /** ISO time of creation. */
  created: string;
  labels: Record<string, string>;
}

export interface Usage {
  /** Bytes used by the snapshot's own files (hard links counted once). */
  size: number;
  inodes: number;
}

/** How deleted files and opaque directories are written into a layer folder. */
export interface WhiteoutFormat {
  readonly name: StorageDriverName;
  /** Marks `name` in `dir` as deleted (dir is inside the layer folder, already checked). */
  whiteout(dir: string, name: string): Promise<void>;
  /** Marks `dir` as opaque: nothing of the lower layers shows through it. `keep` are the
   * names in it that this layer itself wrote (they stay). */
  opaque(dir: string, keep: ReadonlySet<string>): Promise<void>;
}

/**
 * A snapshotter in containerd's sense: about ten verbs over named snapshots forming chains.
 * It returns mount descriptions and never mounts (src/drivers/mount.ts does).
 */
export interface Snapshotter {
  readonly driver: StorageDriverName;
  /** How whiteouts are written into `writableDir`. */
  readonly whiteouts: WhiteoutFormat;
  /** A new writable snapshot on top of `parent` (a committed snapshot). */
  prepare(key: string, parent?: string, labels?: Record<string, string>): Promise<Mount[]>;
  /** A new read-only snapshot on top of `parent`. */
  view(key: string, parent?: string, labels?: Record<string, string>): Promise<Mount[]>;
  /** The mounts of an existing active or view snapshot. */
  mounts(key: string): Promise<Mount[]>;
  /** Turns the active snapshot `key` into the committed snapshot `name` (a rename). */
  commit(name: string, key: string, labels?: Record<string, string>): Promise<SnapshotInfo>;
  /** Removes a snapshot that no other snapshot has as parent. */
  remove(key: string): Promise<void>;
  stat(key: string): Promise<SnapshotInfo>;
  usage(key: string): Promise<Usage>;
  walk(fn: (info: SnapshotInfo) => void | Promise<void>): Promise<void>;
  /** The folder a layer is extracted into (overlay: the upper dir; vfs: the whole tree). */
  writableDir(key: string): Promise<string>;
}
