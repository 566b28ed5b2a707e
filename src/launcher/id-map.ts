import type { IdMap, IdRange } from '../ipc/engine-config.js';

/** The range mapped when root starts the daemon and has no /etc/subuid entry of its own. */
export const ROOT_DEFAULT_RANGE = { start: 1_000_000_000, count: 65_536 } as const;

export interface IdMapInput {
  uid: number;
  gid: number;
  subuid: { start: number; count: number } | undefined;
  subgid: { start: number; count: number } | undefined;
}

export interface IdMapPlan {
  idMap: IdMap;
  /** A line for the logs and for `docker info` Warnings, when the map is degraded. */
  warning?: string;
}

/**
 * Decides the holder's id maps.
 * - An unprivileged user with ranges: `0 → own id`, `1… → subordinate range` ('range').
 * - No range (uid or gid): only the own id, as root inside ('single'), with a warning.
 * - Root: never real root inside. Its own range (or ROOT_DEFAULT_RANGE) maps from id 0.
 */
export function computeIdMap(input: IdMapInput): IdMapPlan {
  if (input.uid === 0) {
    const u = input.subuid ?? ROOT_DEFAULT_RANGE;
    const g = input.subgid ?? ROOT_DEFAULT_RANGE;
    const plan: IdMapPlan = {
      idMap: {
        mode: 'range',
        uids: [{ inside: 0, outside: u.start, size: u.count }],
        gids: [{ inside: 0, outside: g.start, size: g.count }],
      },
    };
    if (!input.subuid || !input.subgid) {
      plan.warning = `started as root without an /etc/subuid or /etc/subgid entry for root: using the default range ${ROOT_DEFAULT_RANGE.start}:${ROOT_DEFAULT_RANGE.count}`;
    }
    return plan;
  }
  if (!input.subuid || !input.subgid) {
    const missing = [!input.subuid && '/etc/subuid', !input.subgid && '/etc/subgid']
      .filter(Boolean)
      .join(' and ');
    return {
      idMap: {
        mode: 'single',
        uids: [{ inside: 0, outside: input.uid, size: 1 }],
        gids: [{ inside: 0, outside: input.gid, size: 1 }],
      },
      warning: `single-id mode: no ${missing} range for this user, so containers can only use uid/gid 0 (images with other owners may fail); ask the admin to add one (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER)`,
    };
  }
  return {
    idMap: {
      mode: 'range',
      uids: [
        { inside: 0, outside: input.uid, size: 1 },
        { inside: 1, outside: input.subuid.start, size: input.subuid.count },
      ],
      gids: [
        { inside: 0, outside: input.gid, size: 1 },
        { inside: 1, outside: input.subgid.start, size: input.subgid.count },
      ],
    },
  };
}

/** The text of /proc/PID/uid_map for these ranges, normalised to single spaces (for comparison). */
export function formatIdMap(ranges: readonly IdRange[]): string {
  return ranges.map((r) => `${r.inside} ${r.outside} ${r.size}`).join('\n');
}

/** /proc/PID/uid_map as the kernel prints it (padded columns), normalised like formatIdMap. */
export function normaliseProcIdMap(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).join(' '))
    .filter(Boolean)
    .join('\n');
}
