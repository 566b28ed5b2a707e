import { readFile } from 'node:fs/promises';

/** One line of /etc/subuid or /etc/subgid: `owner:start:count` (owner is a name or a uid). */
export interface SubIdEntry {
  owner: string;
  start: number;
  count: number;
}

/** Parses the text of /etc/subuid or /etc/subgid; comments, blank and malformed lines are skipped. */
export function parseSubIdFile(text: string): SubIdEntry[] {
  const entries: SubIdEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(':');
    if (parts.length !== 3) continue;
    const [owner, startText, countText] = parts as [string, string, string];
    if (!owner || !/^\d+$/.test(startText) || !/^\d+$/.test(countText)) continue;
    const start = Number(startText);
    const count = Number(countText);
    if (count < 1) continue;
    entries.push({ owner, start, count });
  }
  return entries;
}

/**
 * The first range that belongs to the user, matched by name or by numeric uid (as shadow's
 * newuidmap does). Returns undefined when the user has none.
 */
export function findSubIdRange(
  entries: readonly SubIdEntry[],
  user: { name: string; id: number },
): { start: number; count: number } | undefined {
  const match = entries.find((e) => e.owner === user.name || e.owner === String(user.id));
  return match ? { start: match.start, count: match.count } : undefined;
}

/** Reads and parses a subordinate id file; a missing file means no ranges. */
export async function readSubIdFile(path: string): Promise<SubIdEntry[]> {
  try {
    return parseSubIdFile(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
