import { InvalidParameter } from '../../errdefs/index.js';
import type { LiveContainer } from './live-container.js';
import { configOf } from './record.js';

export type Filters = Record<string, string[]>;

const KNOWN = new Set([
  'status',
  'label',
  'name',
  'id',
  'ancestor',
  'exited',
  'before',
  'since',
  'network',
  'volume',
  'health',
  'publish',
  'expose',
  'is-task',
]);
const HEALTH = new Set(['starting', 'healthy', 'unhealthy', 'none']);
const STATUSES = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);

function labelMatch(labels: Record<string, string>, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return want in labels;
  return labels[want.slice(0, i)] === want.slice(i + 1);
}

/**
 * Docker's container filters (AND between keys, OR within a key). `resolve` finds a
 * container by id or name for before/since; `imageMatches` says whether a container
 * descends from an image reference.
 */
export function compileListFilter(
  filters: Filters,
  resolve: (ref: string) => LiveContainer,
  imageMatches: (c: LiveContainer, ref: string) => boolean,
): (c: LiveContainer) => boolean {
  for (const key of Object.keys(filters))
    if (!KNOWN.has(key)) throw new InvalidParameter(`invalid filter '${key}'`);
  for (const s of filters.status ?? [])
    if (!STATUSES.has(s)) throw new InvalidParameter(`invalid filter 'status=${s}'`);
  const exited = (filters.exited ?? []).map((e) => {
    const n = Number(e);
    if (!Number.isInteger(n)) throw new InvalidParameter(`invalid filter 'exited=${e}'`);
    return n;
  });
  for (const h of filters.health ?? [])
    if (!HEALTH.has(h)) throw new InvalidParameter(`Unrecognised filter value for health: ${h}`);
  const before = filters.before?.[0] ? resolve(filters.before[0]) : undefined;
  const since = filters.since?.[0] ? resolve(filters.since[0]) : undefined;
  return (c) => {
    const f = filters;
    if (f.status?.length && !f.status.includes(c.state.status)) return false;
    if (f.id?.length && !f.id.some((p) => c.id.startsWith(p))) return false;
    if (f.name?.length && !f.name.some((n) => new RegExp(n).test(c.record.name))) return false;
    if (f.label?.length && !f.label.every((l) => labelMatch(configOf(c.record).Labels ?? {}, l)))
      return false;
    if (exited.length && !(c.state.status === 'exited' && exited.includes(c.state.exitCode))) return false;
    if (f.ancestor?.length && !f.ancestor.some((a) => imageMatches(c, a))) return false;
    if (before && !(c.record.created < before.record.created)) return false;
    if (since && !(c.record.created > since.record.created)) return false;
    if (
      f.network?.length &&
      !f.network.includes(String((c.record.hostConfig as { NetworkMode?: string }).NetworkMode ?? 'bridge'))
    )
      return false;
    if (f.health?.length && !f.health.includes(c.state.health?.Status ?? 'none')) return false;
    if (f['is-task']?.length && f['is-task'].includes('true')) return false;
    if (f.volume?.length || f.publish?.length || f.expose?.length) return false;
    return true;
  };
}
