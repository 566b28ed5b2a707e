import { join } from 'node:path';
import { Internal } from '../errdefs/index.js';
import { run } from './exec.js';
import { mountFuseOverlayfs } from './fuse-overlayfs.js';
import { nativeMount, nativeUnmount } from './native-mounts.js';

/**
 * What to mount, containerd style: `overlay` (the kernel's), `fuse-overlayfs`, or `bind`
 * (options `ro`/`rw`). `target` is relative to the mount point of `mountAll` (absent: the
 * mount point itself).
 */
export interface MountSpec {
  type: 'overlay' | 'fuse-overlayfs' | 'bind' | 'tmpfs';
  source: string;
  options: string[];
  target?: string;
}

const TIMEOUT_MS = 30_000;

async function mountOne(spec: MountSpec, target: string, signal?: AbortSignal): Promise<void> {
  switch (spec.type) {
    case 'overlay':
    case 'tmpfs':
      // The system call when our addon is there (no mount(8) spawn), else the program.
      if (await systemCall(() => nativeMount(spec.type, spec.source, spec.options, target))) return;
      await run('mount', ['-t', spec.type, '-o', spec.options.join(','), spec.source, target], {
        timeoutMs: TIMEOUT_MS,
        signal,
      });
      return;
    case 'fuse-overlayfs':
      await mountFuseOverlayfs(spec.options, target, signal);
      return;
    case 'bind': {
      // mount(8) turns `bind,ro` into a bind mount followed by a read-only remount.
      const options = ['rbind', ...spec.options.filter((o) => o !== 'bind' && o !== 'rbind')];
      await run('mount', ['-o', options.join(','), spec.source, target], { timeoutMs: TIMEOUT_MS, signal });
      return;
    }
  }
}

/** Mounts the descriptions in order at `target`; on failure, unmounts what it mounted. */
export async function mountAll(
  mounts: readonly MountSpec[],
  target: string,
  signal?: AbortSignal,
): Promise<void> {
  const done: string[] = [];
  try {
    for (const spec of mounts) {
      const where = spec.target ? join(target, spec.target) : target;
      await mountOne(spec, where, signal);
      done.push(where);
    }
  } catch (err) {
    for (const where of done.reverse()) await unmount(where).catch(() => undefined);
    throw err;
  }
}

/** Unmounts `target` (fuse mounts included: their daemon exits). `lazy` detaches a busy mount. */
export async function unmount(
  target: string,
  options: { lazy?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  if (await systemCall(() => nativeUnmount(target, options.lazy ?? false))) return;
  await run('umount', [...(options.lazy ? ['-l'] : []), target], {
    timeoutMs: TIMEOUT_MS,
    signal: options.signal,
  });
}

/** Runs a native mount call; its errno error becomes an Internal error naming the call. */
async function systemCall(fn: () => Promise<boolean>): Promise<boolean> {
  try {
    return await fn();
  } catch (err) {
    throw new Internal((err as Error).message, { cause: err });
  }
}
