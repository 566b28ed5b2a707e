import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fuseOverlayfsVersion } from '../../drivers/fuse-overlayfs.js';
import { mountAll, unmount } from '../../drivers/mount.js';
import { InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { StorageDriverName } from './types.js';

const log = moduleLogger('layers.detect');

/** statfs f_type values, named as Docker's DriverStatus names them. */
const FS_NAMES: Record<number, string> = {
  61267: 'extfs',
  1481003842: 'xfs',
  2435016766: 'btrfs',
  16914836: 'tmpfs',
  26985: 'nfs',
  801189825: 'zfs',
  2035054128: 'overlayfs',
  1702057286: 'fuse',
  4076150800: 'f2fs',
};

export interface DetectedStorageDriver {
  name: StorageDriverName;
  /** Docker's DriverStatus pairs, shown by `docker info`. */
  status: [string, string][];
}

/** Tries a real two-layer mount of `driver` in a scratch folder; undefined when it works. */
async function tryMount(scratch: string, driver: 'overlay' | 'fuse-overlayfs'): Promise<string | undefined> {
  const dir = join(scratch, driver);
  const [lower1, lower2, upper, work, merged] = ['l1', 'l2', 'u', 'w', 'm'].map((d) => join(dir, d)) as [
    string,
    string,
    string,
    string,
    string,
  ];
  for (const d of [lower1, lower2, upper, work, merged]) await mkdir(d, { recursive: true });
  await writeFile(join(lower1, 'probe'), 'lower');
  const options = [`lowerdir=${lower2}:${lower1}`, `upperdir=${upper}`, `workdir=${work}`];
  try {
    await mountAll(
      [
        driver === 'overlay'
          ? { type: 'overlay', source: 'overlay', options: [...options, 'userxattr'] }
          : { type: 'fuse-overlayfs', source: 'fuse-overlayfs', options },
      ],
      merged,
    );
  } catch (err) {
    return (err as Error).message;
  }
  try {
    if ((await readFile(join(merged, 'probe'), 'utf8')) !== 'lower')
      return 'the lower layer does not show through';
    await writeFile(join(merged, 'probe'), 'upper');
    if ((await readFile(join(upper, 'probe'), 'utf8')) !== 'upper')
      return 'writes do not reach the upper dir';
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await unmount(merged).catch((err: Error) => log.warn({ err: err.message }, 'probe unmount failed'));
  }
}

async function backingFs(dir: string): Promise<string> {
  const st = await statfs(dir);
  return FS_NAMES[st.type] ?? `unknown (0x${st.type.toString(16)})`;
}

function normalise(preferred: string | undefined): StorageDriverName | undefined {
  if (!preferred) return undefined;
  if (preferred === 'overlay' || preferred === 'overlay2') return 'overlay';
  if (preferred === 'fuse-overlayfs' || preferred === 'vfs') return preferred;
  throw new InvalidParameter(`unknown storage driver ${JSON.stringify(preferred)}`, {
    hint: 'storage-driver must be one of overlay2 (overlay), fuse-overlayfs, vfs',
  });
}

/**
 * Picks the storage driver: native overlay where the kernel mounts it in this user
 * namespace (tried for real under dataRoot), else fuse-overlayfs, else vfs. A `preferred`
 * driver (daemon.json `storage-driver`; `overlay2` means `overlay`) that does not work here
 * is an error saying why. Must run inside the engine's user and mount namespaces.
 */
export async function detectStorageDriver(
  dataRoot: string,
  preferred?: string,
): Promise<DetectedStorageDriver> {
  const wanted = normalise(preferred);
  await mkdir(dataRoot, { recursive: true });
  const fsName = await backingFs(dataRoot);
  const base: [string, string][] = [['Backing Filesystem', fsName]];
  if (wanted === 'vfs') return { name: 'vfs', status: base };
  const scratch = join(dataRoot, `.tmp-detect-${randomBytes(6).toString('hex')}`);
  await mkdir(scratch, { recursive: true });
  try {
    const failures: string[] = [];
    if (!wanted || wanted === 'overlay') {
      const why = await tryMount(scratch, 'overlay');
      if (!why) {
        return {
          name: 'overlay',
          status: [
            ...base,
            ['Supports d_type', 'true'],
            ['Using metacopy', 'false'],
            ['Native Overlay Diff', 'true'],
            ['userxattr', 'true'],
          ],
        };
      }
      failures.push(`overlay: ${why}`);
      if (wanted) throw unusable('overlay2', why);
    }
    const why = await tryMount(scratch, 'fuse-overlayfs');
    if (!why) {
      const version = await fuseOverlayfsVersion();
      return { name: 'fuse-overlayfs', status: [...base, ['fuse-overlayfs version', version ?? 'unknown']] };
    }
    failures.push(`fuse-overlayfs: ${why}`);
    if (wanted) throw unusable('fuse-overlayfs', why);
    log.warn({ failures }, 'neither overlay nor fuse-overlayfs works here: using vfs (slow, full copies)');
    return { name: 'vfs', status: base };
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

function unusable(driver: string, why: string): InvalidParameter {
  return new InvalidParameter(`storage driver ${driver} does not work here: ${why}`, {
    hint: 'remove "storage-driver" from daemon.json to pick the fastest working driver, or set it to vfs',
  });
}
