import { openReadWrite } from './device.js';
import type { CheckResult } from './types.js';

const UDEV_RULE = `echo 'KERNEL=="tun", MODE="0666"' > /etc/udev/rules.d/99-rootlessd-tun.rules && udevadm control --reload`;

/** slirp4netns creates its tap device through /dev/net/tun. */
export async function checkDevNetTun(path = '/dev/net/tun'): Promise<CheckResult> {
  const base = { id: 'dev-net-tun', title: `${path} usable`, blocksStart: true };
  const opened = await openReadWrite(path);
  if (opened.ok) return { ...base, status: 'pass', detail: `${path} opens read-write`, blocksStart: false };
  const any =
    opened.code === 'ENOENT'
      ? `modprobe tun && mkdir -p /dev/net && (test -c ${path} || mknod ${path} c 10 200) && chmod 0666 ${path}`
      : `chmod 0666 ${path}\n${UDEV_RULE}`;
  return {
    ...base,
    status: 'fail',
    detail: `cannot open ${path} read-write (${opened.code}): slirp4netns cannot give containers a network`,
    fix: { any },
  };
}
