import { lstat, mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { Forbidden, InvalidParameter } from '../errdefs/index.js';
import { networkFsOf, type StatfsType, statfsType } from './filesystem.js';
import type { XdgPaths } from './paths.js';
import type { DaemonConfig } from './schema.js';

/** Local folders tried, in order, when the home is on a network file system. */
const LOCAL_BASES = ['/var/tmp', '/tmp'];

/** The local data root used when the home is on NFS: `/var/tmp/rootlessd-UID`. */
export function localDataRoot(uid: number, base = LOCAL_BASES[0]!): string {
  return join(base, `rootlessd-${uid}`);
}

export interface DataRootOptions {
  uid?: number;
  typeOf?: StatfsType;
  /** Overrides LOCAL_BASES (tests). */
  localBases?: string[];
}

export interface ResolvedDataRoot {
  dataRoot: string;
  /** Said on start-up and in `docker info` Warnings. */
  warning?: string;
}

/**
 * Claims a folder in a shared, sticky folder such as /var/tmp: created 0700 by us, or
 * already ours. Anyone else's folder (or a symlink) there is refused.
 */
async function claimLocalFolder(path: string, uid: number): Promise<void> {
  try {
    await mkdir(path, { mode: 0o700 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = await lstat(path);
  if (!st.isDirectory() || st.uid !== uid) {
    throw new Forbidden(`${path} exists and is not a folder owned by uid ${uid}`, {
      hint: 'remove it, or set "data-root" in daemon.json to a local folder of yours',
    });
  }
}

/**
 * The data root: daemon.json's `data-root`, else `$XDG_DATA_HOME/rootlessd`. A default on a
 * network file system (NFS home) moves to local disk, with a warning saying where.
 */
export async function resolveDataRoot(
  config: DaemonConfig,
  xdg: XdgPaths,
  options: DataRootOptions = {},
): Promise<ResolvedDataRoot> {
  const typeOf = options.typeOf ?? statfsType;
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const configured = config['data-root'];
  if (configured !== undefined) {
    if (!isAbsolute(configured)) {
      throw new InvalidParameter(`"data-root": must be an absolute path, got "${configured}"`);
    }
    const fs = await networkFsOf(configured, typeOf);
    return fs
      ? {
          dataRoot: configured,
          warning: `data-root ${configured} is on ${fs}: overlay and xattrs may misbehave`,
        }
      : { dataRoot: configured };
  }
  const fs = await networkFsOf(xdg.dataHome, typeOf);
  if (!fs) return { dataRoot: xdg.dataHome };
  for (const base of options.localBases ?? LOCAL_BASES) {
    if (await networkFsOf(base, typeOf)) continue;
    const local = localDataRoot(uid, base);
    await claimLocalFolder(local, uid);
    return {
      dataRoot: local,
      warning: `${xdg.dataHome} is on ${fs}: data root moved to local disk at ${local} (set "data-root" in daemon.json to choose another place)`,
    };
  }
  return {
    dataRoot: xdg.dataHome,
    warning: `${xdg.dataHome} is on ${fs} and no local folder was found: overlay and xattrs may misbehave`,
  };
}
