import { InvalidParameter } from '../../errdefs/index.js';
import { isPredefined, type NetworkRecord } from './network-record.js';

export type NetworkFilters = Record<string, string[]>;

const LIST_KEYS = new Set(['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);
const PRUNE_KEYS = new Set(['label', 'label!', 'until']);

function labelMatches(labels: Record<string, string>, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return want in labels;
  return labels[want.slice(0, i)] === want.slice(i + 1);
}

/** Docker's network filters (list), or prune's (label, label!, until). */
export function matchesNetworkFilters(n: NetworkRecord, filters: NetworkFilters, prune = false): boolean {
  const allowed = prune ? PRUNE_KEYS : LIST_KEYS;
  for (const key of Object.keys(filters)) {
    if (!allowed.has(key)) throw new InvalidParameter(`invalid filter '${key}'`);
  }
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters[key];
    return !values?.length || values.some(test);
  };
  if (!any('name', (v) => n.name.includes(v))) return false;
  if (!any('id', (v) => n.id.startsWith(v))) return false;
  if (!any('driver', (v) => n.driver === v)) return false;
  if (!any('scope', (v) => v === 'local')) return false;
  if (
    !any('type', (v) => {
      if (v !== 'custom' && v !== 'builtin') throw new InvalidParameter(`invalid filter: 'type'='${v}'`);
      return (v === 'builtin') === isPredefined(n);
    })
  )
    return false;
  if (
    !any('dangling', (v) => {
      const dangling = !isPredefined(n) && Object.keys(n.endpoints).length === 0;
      if (!['true', 'false', '1', '0'].includes(v))
        throw new InvalidParameter(`invalid filter: 'dangling'='${v}'`);
      return (v === 'true' || v === '1') === dangling;
    })
  )
    return false;
  for (const want of filters.label ?? []) if (!labelMatches(n.labels, want)) return false;
  for (const not of filters['label!'] ?? []) if (labelMatches(n.labels, not)) return false;
  for (const until of filters.until ?? []) {
    const t = /^\d+(\.\d+)?$/.test(until) ? Number(until) * 1000 : Date.parse(until);
    if (Number.isNaN(t)) throw new InvalidParameter(`invalid filter 'until=${until}'`);
    if (Date.parse(n.created) >= t) return false;
  }
  return true;
}
