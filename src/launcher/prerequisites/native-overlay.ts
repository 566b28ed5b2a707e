import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tryOverlayInUserNamespace } from '../../drivers/userns-probe.js';
import type { CheckResult } from './types.js';

/**
 * Mounts the kernel's overlay (with `userxattr`) inside a fresh user + mount namespace in a
 * temporary folder. Works on Linux ≥ 5.11 where the file system allows it; then the daemon
 * uses native overlay, otherwise fuse-overlayfs.
 */
export async function checkNativeOverlay(probeDir: string = tmpdir()): Promise<CheckResult> {
  const base = { id: 'native-overlay', title: 'native overlay in a user namespace', blocksStart: false };
  const dir = await mkdtemp(join(probeDir, 'rootlessd-overlay-'));
  try {
    const dirs = {
      lower: join(dir, 'l'),
      upper: join(dir, 'u'),
      work: join(dir, 'w'),
      merged: join(dir, 'm'),
    };
    await Promise.all(Object.values(dirs).map((d) => mkdir(d)));
    await writeFile(join(dirs.lower, 'probe'), 'rootlessd\n');
    const probe = await tryOverlayInUserNamespace(dirs);
    if (probe.ok)
      return { ...base, status: 'pass', detail: `works in ${probeDir}: native overlay will be used` };
    return {
      ...base,
      status: 'warn',
      detail: `not available (${probe.error ?? 'mount failed'}): fuse-overlayfs will be used (slower)`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
