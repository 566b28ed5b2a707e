import { moduleLogger } from '../log/index.js';
import { loadAddon } from './native-addon.js';

const log = moduleLogger('mounts');

/**
 * mount(2) and umount2(2) through our own addon (native/mounts.c → dist/native/mounts.node),
 * which saves a mount(8)/umount(8) spawn per call. Undefined when the addon was not built
 * (no C compiler): callers then run the programs.
 */
interface MountsAddon {
  mount(source: string, target: string, fstype: string, flags: number, data: string): Promise<void>;
  umount(target: string, flags: number): Promise<void>;
}

const load = () =>
  loadAddon<MountsAddon>('mounts', () =>
    log.info('native mounts addon missing: mount(8) and umount(8) are run instead'),
  );

/** Options of mount(8) that are MS_* flags rather than file-system data (a false `set` clears). */
const FLAGS: Record<string, { bit: number; set: boolean }> = {
  ro: { bit: 0x1, set: true },
  rw: { bit: 0x1, set: false },
  nosuid: { bit: 0x2, set: true },
  suid: { bit: 0x2, set: false },
  nodev: { bit: 0x4, set: true },
  dev: { bit: 0x4, set: false },
  noexec: { bit: 0x8, set: true },
  exec: { bit: 0x8, set: false },
  sync: { bit: 0x10, set: true },
  async: { bit: 0x10, set: false },
  dirsync: { bit: 0x80, set: true },
  noatime: { bit: 0x400, set: true },
  atime: { bit: 0x400, set: false },
  nodiratime: { bit: 0x800, set: true },
  diratime: { bit: 0x800, set: false },
  relatime: { bit: 0x200000, set: true },
  norelatime: { bit: 0x200000, set: false },
  strictatime: { bit: 0x1000000, set: true },
  lazytime: { bit: 0x2000000, set: true },
  nolazytime: { bit: 0x2000000, set: false },
  silent: { bit: 0x8000, set: true },
  loud: { bit: 0x8000, set: false },
  defaults: { bit: 0, set: false },
};

/** mount(8)'s `-o` list split as mount(8) does: MS_* flags, and the rest as the data string. */
export function splitMountOptions(options: readonly string[]): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    const f = FLAGS[o];
    if (!f) data.push(o);
    else if (f.set) flags |= f.bit;
    else flags &= ~f.bit;
  }
  return { flags, data: data.join(',') };
}

/**
 * `mount -t TYPE -o OPTIONS SOURCE TARGET` as one system call; false when the addon is missing
 * (the caller runs mount(8)). A failure throws an Error with the errno's name as `code`.
 */
export async function nativeMount(
  type: string,
  source: string,
  options: readonly string[],
  target: string,
): Promise<boolean> {
  const a = load();
  if (!a) return false;
  const { flags, data } = splitMountOptions(options);
  const t0 = performance.now();
  await a.mount(source, target, type, flags, data).catch((err: Error & { code?: string }) => {
    throw Object.assign(
      new Error(`mount(2) -t ${type} -o ${options.join(',')} ${source} ${target}: ${err.message}`),
      {
        code: err.code,
      },
    );
  });
  log.debug({ type, target, ms: Math.round((performance.now() - t0) * 10) / 10 }, 'mounted');
  return true;
}

/** `umount [-l] TARGET` as one system call; false when the addon is missing. */
export async function nativeUnmount(target: string, lazy: boolean): Promise<boolean> {
  const a = load();
  if (!a) return false;
  await a.umount(target, lazy ? 2 /* MNT_DETACH */ : 0);
  return true;
}
