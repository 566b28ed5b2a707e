import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameter } from '../../errdefs/index.js';
import type { VolumeRecord } from './volume-store.js';

export type Filters = Record<string, string[]>;

function labelMatches(labels: Record<string, string>, expr: string): boolean {
  const eq = expr.indexOf('=');
  if (eq < 0) return labels[expr] !== undefined;
  return labels[expr.slice(0, eq)] === expr.slice(eq + 1);
}

/** Docker's volume list filters: name, label, label!, dangling, driver. */
export function volumeMatcher(
  filters: Filters,
  inUse: (name: string) => boolean,
): (rec: VolumeRecord) => boolean {
  for (const key of Object.keys(filters))
    if (!['name', 'label', 'label!', 'dangling', 'driver'].includes(key))
      throw new InvalidParameter(`invalid filter '${key}'`);
  const dangling = filters.dangling?.map((v) => {
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new InvalidParameter(`invalid filter 'dangling=${v}'`);
  });
  return (rec) => {
    if (filters.name?.length && !filters.name.some((n) => rec.name.includes(n))) return false;
    if (filters.driver?.length && !filters.driver.includes(rec.driver)) return false;
    if (filters.label?.length && !filters.label.every((l) => labelMatches(rec.labels, l))) return false;
    if (filters['label!']?.length && filters['label!'].some((l) => labelMatches(rec.labels, l))) return false;
    if (dangling?.length && !dangling.includes(!inUse(rec.name))) return false;
    return true;
  };
}

/** Bytes used by a tree (apparent sizes, symlinks not followed). */
export async function diskUsage(path: string): Promise<number> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of await readdir(path).catch(() => [] as string[])) total += await diskUsage(join(path, e));
  return total;
}
