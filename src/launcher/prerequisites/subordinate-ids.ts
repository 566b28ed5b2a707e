import { ROOT_DEFAULT_RANGE } from '../id-map.js';
import { findSubIdRange, readSubIdFile, type SubIdEntry } from '../subid.js';
import type { CheckContext } from './context.js';
import type { CheckResult } from './types.js';

/** Enough ids for the usual images (nobody is 65534). */
export const MIN_SUBID_COUNT = 65_536;

export interface SubIdFiles {
  subuid: string;
  subgid: string;
}

const DEFAULT_FILES: SubIdFiles = { subuid: '/etc/subuid', subgid: '/etc/subgid' };

/** The first 65536-aligned range at or above 100000 that no entry overlaps. */
export function freeRange(
  entries: readonly SubIdEntry[],
  count = MIN_SUBID_COUNT,
): { start: number; end: number } {
  let start = 100_000;
  const sorted = [...entries].sort((a, b) => a.start - b.start);
  for (const e of sorted) {
    if (e.start < start + count && start < e.start + e.count) {
      start = Math.ceil((e.start + e.count) / count) * count;
    }
  }
  return { start, end: start + count - 1 };
}

async function checkOne(kind: 'subuid' | 'subgid', path: string, ctx: CheckContext): Promise<CheckResult> {
  const entries = await readSubIdFile(path);
  const range = findSubIdRange(entries, { name: ctx.user, id: ctx.uid });
  const base = { id: kind, title: `${path} range`, blocksStart: false };
  const flag = kind === 'subuid' ? '--add-subuids' : '--add-subgids';
  const free = freeRange(entries);
  const addFix = { any: `usermod ${flag} ${free.start}-${free.end} ${ctx.user}` };
  if (!range) {
    const consequence =
      ctx.uid === 0
        ? `root uses the default range ${ROOT_DEFAULT_RANGE.start}:${ROOT_DEFAULT_RANGE.count}`
        : 'the daemon runs in single-id mode (only your own id inside containers; images that chown to other ids fail)';
    return {
      ...base,
      status: 'warn',
      detail: `no entry for ${ctx.user} (uid ${ctx.uid}): ${consequence}`,
      fix: addFix,
    };
  }
  const detail = `${ctx.user}: ${range.start}:${range.count}`;
  if (range.count < MIN_SUBID_COUNT) {
    const del = kind === 'subuid' ? '--del-subuids' : '--del-subgids';
    return {
      ...base,
      status: 'warn',
      detail: `${detail} is smaller than ${MIN_SUBID_COUNT}: files owned by higher ids in images cannot be kept`,
      fix: {
        any: `usermod ${del} ${range.start}-${range.start + range.count - 1} ${flag} ${free.start}-${free.end} ${ctx.user}`,
      },
    };
  }
  return { ...base, status: 'pass', detail };
}

/** /etc/subuid and /etc/subgid entries for the user, by name or uid, and their size. */
export async function checkSubordinateIds(
  ctx: CheckContext,
  files: SubIdFiles = DEFAULT_FILES,
): Promise<CheckResult[]> {
  return Promise.all([checkOne('subuid', files.subuid, ctx), checkOne('subgid', files.subgid, ctx)]);
}
