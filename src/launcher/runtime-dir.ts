import { chmod, lstat, mkdir } from 'node:fs/promises';
import { Forbidden } from '../errdefs/index.js';

/**
 * Creates the launcher's runtime folder (`$XDG_RUNTIME_DIR/rootlessd`) with mode 0700 and
 * checks that it belongs to us: a folder owned by someone else is refused, never reused.
 */
export async function ensureRuntimeDir(
  path: string,
  uid: number,
  alsoOwnedBy: readonly number[] = [],
): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const st = await lstat(path);
  if (!st.isDirectory()) throw new Forbidden(`${path} is not a directory`);
  if (st.uid !== uid && !alsoOwnedBy.includes(st.uid)) {
    throw new Forbidden(`${path} belongs to uid ${st.uid}, not to uid ${uid}`, {
      hint: 'set XDG_RUNTIME_DIR to a folder of your own (usually /run/user/UID)',
    });
  }
  if ((st.mode & 0o777) !== 0o700) await chmod(path, 0o700);
}
