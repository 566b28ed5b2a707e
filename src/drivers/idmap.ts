import { writeFile } from 'node:fs/promises';
import { run } from './exec.js';

/** One mapping line: inside outside size. */
export interface IdMapLine {
  inside: number;
  outside: number;
  size: number;
}

/** The arguments of newuidmap/newgidmap: `PID inside outside size [inside outside size …]`. */
export function idMapArgs(pid: number, lines: readonly IdMapLine[]): string[] {
  return [String(pid), ...lines.flatMap((l) => [String(l.inside), String(l.outside), String(l.size)])];
}

/** Writes a process's uid map with the setuid helper newuidmap (checked against /etc/subuid). */
export async function newuidmap(
  pid: number,
  lines: readonly IdMapLine[],
  signal?: AbortSignal,
): Promise<void> {
  await run('newuidmap', idMapArgs(pid, lines), { timeoutMs: 10_000, signal });
}

/** Writes a process's gid map with the setuid helper newgidmap (checked against /etc/subgid). */
export async function newgidmap(
  pid: number,
  lines: readonly IdMapLine[],
  signal?: AbortSignal,
): Promise<void> {
  await run('newgidmap', idMapArgs(pid, lines), { timeoutMs: 10_000, signal });
}

/**
 * Writes /proc/PID/{uid,gid}_map directly. Only a caller with CAP_SETUID/CAP_SETGID over the
 * parent user namespace (root) may map ranges other than its own id this way.
 */
export async function writeIdMapsDirect(
  pid: number,
  uids: readonly IdMapLine[],
  gids: readonly IdMapLine[],
): Promise<void> {
  const text = (lines: readonly IdMapLine[]) =>
    `${lines.map((l) => `${l.inside} ${l.outside} ${l.size}`).join('\n')}\n`;
  await writeFile(`/proc/${pid}/uid_map`, text(uids));
  await writeFile(`/proc/${pid}/gid_map`, text(gids));
}
