import { openReadWrite } from './device.js';
import { installFix } from './fixes.js';
import type { CheckResult, Fix } from './types.js';

const UDEV_RULE = `echo 'KERNEL=="fuse", MODE="0666"' > /etc/udev/rules.d/99-rootlessd-fuse.rules && udevadm control --reload`;

/**
 * /dev/fuse must open read-write for fuse-overlayfs. It blocks start-up only when native
 * overlay does not work either; doctor reports it as a failure either way.
 */
export async function checkDevFuse(nativeOverlay: boolean, path = '/dev/fuse'): Promise<CheckResult> {
  const base = { id: 'dev-fuse', title: `${path} usable`, blocksStart: !nativeOverlay };
  const opened = await openReadWrite(path);
  if (opened.ok) return { ...base, status: 'pass', detail: `${path} opens read-write`, blocksStart: false };
  const consequence = nativeOverlay
    ? 'fuse-overlayfs cannot run (native overlay works and will be used)'
    : 'no storage driver can run (native overlay does not work either)';
  const fix: Fix =
    opened.code === 'ENOENT'
      ? {
          ...installFix({ apt: 'fuse3', dnf: 'fuse3', zypper: 'fuse3' }),
          any: `modprobe fuse && chmod 0666 ${path}`,
        }
      : { any: `chmod 0666 ${path}\n${UDEV_RULE}` };
  return {
    ...base,
    status: 'fail',
    detail: `cannot open ${path} read-write (${opened.code}): ${consequence}`,
    fix,
  };
}
