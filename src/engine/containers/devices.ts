import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { InvalidParameter } from '../../errdefs/index.js';
import type { OciMount } from './oci-spec.js';

export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer?: string | null;
  CgroupPermissions?: string | null;
}

/** Create-time syntax checks (Docker's messages). */
export function validateDeviceMapping(d: DeviceMapping): void {
  if (!isAbsolute(d.PathOnHost)) throw new InvalidParameter(`${d.PathOnHost} is not an absolute path`);
  if (d.PathInContainer && !isAbsolute(d.PathInContainer))
    throw new InvalidParameter(`${d.PathInContainer} is not an absolute path`);
  const perms = d.CgroupPermissions ?? 'rwm';
  if (!/^[rwm]{1,3}$/.test(perms) || new Set(perms).size !== perms.length)
    throw new InvalidParameter(`invalid device mode: ${perms}`);
}

/**
 * A user namespace cannot mknod, so each device (or folder of devices) of the host is
 * bind-mounted at its place in the container, as rootless Podman does. Whether the container
 * can open it is up to the node's own permissions on the host; no device cgroup is set (no
 * cgroup delegation), so `CgroupPermissions` is checked but not enforced beyond `ro` when the
 * permissions lack `w`.
 */
export async function deviceMounts(devices: readonly DeviceMapping[]): Promise<OciMount[]> {
  const out: OciMount[] = [];
  for (const d of devices) {
    const st = await stat(d.PathOnHost).catch((err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'no such file or directory' : err.message;
      throw new InvalidParameter(
        `error gathering device information while adding custom device "${d.PathOnHost}": ${why}`,
      );
    });
    if (!st.isCharacterDevice() && !st.isBlockDevice() && !st.isDirectory())
      throw new InvalidParameter(
        `error gathering device information while adding custom device "${d.PathOnHost}": not a device node`,
      );
    const writable = (d.CgroupPermissions ?? 'rwm').includes('w');
    out.push({
      destination: d.PathInContainer || d.PathOnHost,
      type: 'bind',
      source: d.PathOnHost,
      options: ['rbind', 'nosuid', writable ? 'rw' : 'ro'],
    });
  }
  return out;
}

/** What runc gives every container, or what Docker's own /dev has: not bound from the host. */
const NOT_BOUND = new Set([
  'pts',
  'shm',
  'mqueue',
  'fd',
  'console',
  'ptmx',
  'null',
  'zero',
  'full',
  'random',
  'urandom',
  'tty',
  'core',
  'stdin',
  'stdout',
  'stderr',
  '.lxc',
  '.lxd-mounts',
  '.udev',
]);

/** Host device nodes under `dir` this process may open (read or write), depth first. */
async function openableDevices(dir: string, depth: number, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (depth === 0 && NOT_BOUND.has(e.name)) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth < 3) await openableDevices(path, depth + 1, out);
      continue;
    }
    if (!e.isCharacterDevice() && !e.isBlockDevice()) continue;
    const ok = await access(path, constants.R_OK)
      .then(() => true)
      .catch(() =>
        access(path, constants.W_OK)
          .then(() => true)
          .catch(() => false),
      );
    if (ok) out.push(path);
  }
}

/**
 * `--privileged`: every host device the user may open, bound at its own path (Docker gives
 * all host devices; in a user namespace the others could not be opened anyway, as the nodes'
 * owners are not mapped). /dev/null and the like come from the runtime as for any container.
 */
export async function privilegedDeviceMounts(devRoot = '/dev'): Promise<OciMount[]> {
  const paths: string[] = [];
  await openableDevices(devRoot, 0, paths);
  return paths.map((p) => ({
    destination: join('/dev', relative(devRoot, p)),
    type: 'bind',
    source: p,
    options: ['rbind', 'nosuid', 'rw'],
  }));
}
