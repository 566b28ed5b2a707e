import { access, chmod, chown, constants, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Forbidden } from '../errdefs/index.js';

/**
 * The first parent folder of `path` that others cannot enter (no o+x), or undefined. Started
 * by root, the engine runs as a subordinate id, never as real root, so it reaches its
 * folders only through parents that anyone may enter.
 */
export async function firstClosedParent(path: string): Promise<{ folder: string; mode: number } | undefined> {
  let folder = dirname(path);
  for (;;) {
    const st = await stat(folder);
    if ((st.mode & 0o001) === 0) return { folder, mode: st.mode & 0o777 };
    const up = dirname(folder);
    if (up === folder) return undefined;
    folder = up;
  }
}

/**
 * Prepares a folder for the namespaces' root when the launcher runs as root: every parent
 * must be enterable, and the folder itself (created 0700 if missing) belongs to the
 * subordinate id that root inside maps to.
 */
export async function prepareFolderForMappedRoot(
  path: string,
  owner: { uid: number; gid: number },
  what: string,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const closed = await firstClosedParent(path);
  if (closed) {
    throw new Forbidden(
      `started as root, the engine runs as host uid ${owner.uid} (never real root) and cannot reach the ${what} ${path}: ${closed.folder} has mode 0${closed.mode.toString(8)}`,
      {
        hint: `chmod o+x ${closed.folder}, or choose a ${what} under a folder anyone may enter (e.g. data-root /var/lib/rootlessd, XDG_RUNTIME_DIR=/run/rootlessd)`,
      },
    );
  }
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chown(path, owner.uid, owner.gid);
}

/** Refuses socket folders the namespaces' root could not create a socket in (owned by another id, not world-writable). */
export async function checkSocketFolderForMappedRoot(socket: string, owner: { uid: number }): Promise<void> {
  const folder = dirname(socket);
  await access(folder, constants.F_OK);
  const st = await stat(folder);
  const closed = await firstClosedParent(socket);
  if (closed || (st.uid !== owner.uid && (st.mode & 0o002) === 0)) {
    throw new Forbidden(
      `started as root, the engine runs as host uid ${owner.uid} (never real root) and cannot create ${socket}`,
      {
        hint: `chown ${owner.uid} ${folder} (and let others enter its parents), or listen elsewhere with -H unix:///PATH`,
      },
    );
  }
}

/**
 * Root's runtime folder (/run/rootlessd): the namespaces' mapped root creates the socket in
 * it, so it belongs to that id; 0711 lets it reach its own subfolder and lets root connect.
 */
export async function prepareRootRuntimeDir(
  folder: string,
  owner: { uid: number; gid: number },
): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o711 });
  const st = await stat(folder);
  if (st.uid !== 0 && st.uid !== owner.uid) {
    throw new Forbidden(`${folder} belongs to uid ${st.uid}, neither root nor the mapped root ${owner.uid}`);
  }
  await chown(folder, owner.uid, owner.gid);
  await chmod(folder, 0o711);
}
