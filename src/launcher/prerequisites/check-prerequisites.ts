import { checkCgroupDelegation } from './cgroup-delegation.js';
import { type CheckOptions, checkContext } from './context.js';
import { checkDevFuse } from './dev-fuse.js';
import { checkDevNetTun } from './dev-net-tun.js';
import { checkIdMapHelpers } from './id-map-helpers.js';
import { checkLingering } from './lingering.js';
import { checkNativeOverlay } from './native-overlay.js';
import { checkNetworkHome } from './network-home.js';
import { checkFuseOverlayfs, checkPrograms } from './programs.js';
import { checkRuntimeDir } from './runtime-dir.js';
import { checkSubordinateIds } from './subordinate-ids.js';
import type { CheckResult } from './types.js';
import { checkUserNamespaces } from './user-namespaces.js';

export interface PrerequisiteOptions extends CheckOptions {
  /** Where the native overlay probe makes its temporary folders (default: os.tmpdir()). */
  probeDir?: string;
}

const ORDER = [
  'newuidmap',
  'subuid',
  'subgid',
  'userns',
  'native-overlay',
  'dev-fuse',
  'fuse-overlayfs',
  'runc',
  'conmon',
  'catatonit',
  'slirp4netns',
  'dev-net-tun',
  'firewall',
  'xdg-runtime-dir',
  'home-nfs',
  'cgroup',
  'linger',
];

/**
 * Every prerequisite of the daemon, checked from the point of view of the user running it
 * (root's own view when run as root). `blocksStart` is true only on a failed check the
 * daemon cannot run without.
 */
export async function checkPrerequisites(opts: PrerequisiteOptions = {}): Promise<CheckResult[]> {
  const ctx = checkContext(opts);
  const overlayPromise = checkNativeOverlay(opts.probeDir);
  const storage = overlayPromise.then(async (overlay) => {
    const native = overlay.status === 'pass';
    return [overlay, await checkDevFuse(native), await checkFuseOverlayfs(ctx, native)];
  });
  const groups = await Promise.all([
    checkIdMapHelpers(ctx).then((r) => [r]),
    checkSubordinateIds(ctx),
    checkUserNamespaces(ctx).then((r) => [r]),
    storage,
    checkPrograms(ctx),
    checkDevNetTun().then((r) => [r]),
    checkRuntimeDir(ctx).then((r) => [r]),
    checkNetworkHome(ctx).then((r) => [r]),
    checkCgroupDelegation(ctx).then((r) => [r]),
    checkLingering(ctx).then((r) => [r]),
  ]);
  const results = groups.flat().map((r) => ({ ...r, blocksStart: r.status === 'fail' && r.blocksStart }));
  const rank = (id: string) => {
    const i = ORDER.indexOf(id);
    return i === -1 ? ORDER.length : i;
  };
  return results.sort((a, b) => rank(a.id) - rank(b.id));
}

/** The failed checks that stop the daemon from starting. */
export function blockingFailures(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.status === 'fail' && r.blocksStart);
}
