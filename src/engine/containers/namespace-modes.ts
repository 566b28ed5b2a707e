import { Conflict, InvalidParameter } from '../../errdefs/index.js';
import type { HostConfig } from '../../types/container-create.js';

/**
 * Where a container's pid, ipc or uts namespace comes from. `host` is the namespace the engine
 * runs in (the holder unshares only user, mount and network), so the spec simply has no entry
 * for it: joining it by path would need privileges over the host's user namespace.
 */
export type NamespacePlacement = { kind: 'own' } | { kind: 'host' } | { kind: 'join'; path: string };

export interface NamespaceModes {
  pid: NamespacePlacement;
  ipc: NamespacePlacement;
  uts: NamespacePlacement;
  /** IpcMode `none`: a private namespace without /dev/shm, as Docker does. */
  noShm: boolean;
  /**
   * /dev/shm bound from the engine's mounts: the container's own tmpfs when it is shareable,
   * or the donor's for container:<id> (a mount of another mount namespace cannot be bound).
   */
  shmSource?: string;
}

type Kind = 'PID' | 'IPC' | 'UTS';

const VALID: Record<Kind, readonly string[]> = {
  PID: ['', 'host'],
  IPC: ['', 'private', 'shareable', 'host', 'none'],
  UTS: ['', 'host'],
};

function valid(kind: Kind, mode: string): boolean {
  if (VALID[kind].includes(mode)) return true;
  return kind !== 'UTS' && mode.startsWith('container:') && mode.length > 'container:'.length;
}

/** Create-time checks, with Docker's messages. */
export function validateNamespaceModes(hc: HostConfig, hostname: string | null | undefined): void {
  const modes: Array<[Kind, string]> = [
    ['PID', hc.PidMode ?? ''],
    ['IPC', hc.IpcMode ?? ''],
    ['UTS', hc.UTSMode ?? ''],
  ];
  for (const [kind, mode] of modes)
    if (!valid(kind, mode)) throw new InvalidParameter(`invalid ${kind} mode: ${mode}`);
  if (hc.UTSMode === 'host' && hostname)
    throw new InvalidParameter('conflicting options: hostname and the UTS mode');
}

/** The running container a `container:<ref>` mode names: its init pid and id. */
export interface PeerProcess {
  id: string;
  running: boolean;
  pid: number;
  /** Its IpcMode is `shareable`: its /dev/shm lives at `shmPath` in the engine's mounts. */
  shareableIpc: boolean;
  shmPath: string;
}

/**
 * Resolves the modes at start: `container:<ref>` joins that container's namespace through
 * /proc/PID/ns, which needs it running (Docker's 409 otherwise).
 */
export function resolveNamespaceModes(
  hc: HostConfig,
  selfId: string,
  peer: (ref: string) => PeerProcess,
): NamespaceModes {
  let shmSource: string | undefined;
  const placement = (kind: Kind, mode: string, ns: string): NamespacePlacement => {
    if (mode === 'host') return { kind: 'host' };
    if (!mode.startsWith('container:')) return { kind: 'own' };
    const p = peer(mode.slice('container:'.length));
    if (p.id === selfId) throw new InvalidParameter(`cannot join own ${kind} namespace`);
    if (!p.running || !p.pid) throw new Conflict(`cannot join ${kind} of a non running container: ${p.id}`);
    if (kind === 'IPC') {
      if (!p.shareableIpc)
        throw new Conflict('non-shareable IPC (hint: use IpcMode:shareable for the donor container)');
      shmSource = p.shmPath;
    }
    return { kind: 'join', path: `/proc/${p.pid}/ns/${ns}` };
  };
  const ipcMode = hc.IpcMode ?? '';
  const ipc = placement('IPC', ipcMode, 'ipc');
  return {
    pid: placement('PID', hc.PidMode ?? '', 'pid'),
    ipc,
    uts: placement('UTS', hc.UTSMode ?? '', 'uts'),
    noShm: ipcMode === 'none',
    ...(shmSource ? { shmSource } : {}),
  };
}

/** The default: every namespace private. */
export const PRIVATE_NAMESPACES: NamespaceModes = {
  pid: { kind: 'own' },
  ipc: { kind: 'own' },
  uts: { kind: 'own' },
  noShm: false,
};
