import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** statfs `type` magic numbers of network file systems where overlay and xattrs misbehave. */
const NETWORK_FS: ReadonlyMap<number, string> = new Map([
  [0x6969, 'NFS'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
]);

export type StatfsType = (path: string) => Promise<number>;

export const statfsType: StatfsType = async (path) => (await statfs(path)).type;

/**
 * The file system type of `path`, or of its nearest existing ancestor when it does not
 * exist yet (a data root that will be created is judged by where it will land).
 */
export async function fsTypeOf(path: string, typeOf: StatfsType = statfsType): Promise<number> {
  let current = resolve(path);
  for (;;) {
    try {
      return await typeOf(current);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = dirname(current);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) throw err;
      current = parent;
    }
  }
}

/** The name of the network file system `path` lives on ("NFS"), or undefined when it is local. */
export async function networkFsOf(
  path: string,
  typeOf: StatfsType = statfsType,
): Promise<string | undefined> {
  return NETWORK_FS.get(await fsTypeOf(path, typeOf));
}
