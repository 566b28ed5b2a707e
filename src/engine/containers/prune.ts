import { InvalidParameter } from '../../errdefs/index.js';
import type { Filters } from './list-filter.js';
import type { LiveContainer } from './live-container.js';
import { configOf } from './record.js';

/** Docker's `until`: a unix time (seconds, fractions), RFC 3339, or a duration before now (`24h`, `10m`). */
export function parseUntil(raw: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  const dur = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(raw);
  if (dur) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[dur[2] as 'ms' | 's' | 'm' | 'h'];
    return now - Number(dur[1]) * unit;
  }
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new InvalidParameter(`invalid filter 'until=${raw}'`);
  return t;
}

function labelMatches(labels: Record<string, string>, spec: string): boolean {
  const eq = spec.indexOf('=');
  if (eq < 0) return spec in labels;
  return labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

/** Which stopped containers a prune with these filters removes (`until`, `label`, `label!`). */
export function pruneMatcher(filters: Filters): (c: LiveContainer) => boolean {
  for (const key of Object.keys(filters))
    if (!['until', 'label', 'label!'].includes(key)) throw new InvalidParameter(`invalid filter '${key}'`);
  const untils = (filters.until ?? []).map((u) => parseUntil(u));
  const labels = filters.label ?? [];
  const notLabels = filters['label!'] ?? [];
  return (c) => {
    if (c.running) return false;
    const created = Date.parse(c.record.created);
    if (untils.some((u) => created >= u)) return false;
    const own = configOf(c.record).Labels ?? {};
    if (!labels.every((l) => labelMatches(own, l))) return false;
    return !notLabels.some((l) => labelMatches(own, l));
  };
}
