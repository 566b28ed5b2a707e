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

/** What the volume, network, publish and expose filters look at, as the views show it. */
export interface ListFacts {
  mounts: Array<{ Name?: string; Source?: string; Destination?: string }>;
  networks: Record<string, { NetworkID?: string }>;
}

/** `80`, `80/udp`, `8000-8080/tcp` → the set of `port/proto` keys Docker's port maps use. */
export function parsePortFilter(value: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/.exec(value);
  if (!m) throw new InvalidParameter(`invalid port filter: ${value}`);
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : start;
  if (end < start || end > 65535) throw new InvalidParameter(`invalid port filter: ${value}`);
  const proto = m[3] ?? 'tcp';
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
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
  facts: (c: LiveContainer) => ListFacts,
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
  const publish = new Set((filters.publish ?? []).flatMap(parsePortFilter));
  const expose = new Set((filters.expose ?? []).flatMap(parsePortFilter));
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
    if (f.network?.length) {
      const nets = Object.entries(facts(c).networks);
      if (!f.network.some((want) => nets.some(([name, n]) => name === want || n.NetworkID === want)))
        return false;
    }
    if (f.volume?.length) {
      const mounts = facts(c).mounts;
      if (!f.volume.some((v) => mounts.some((m) => m.Name === v || m.Source === v || m.Destination === v)))
        return false;
    }
    if (publish.size) {
      const bound = Object.keys((c.record.hostConfig as { PortBindings?: object }).PortBindings ?? {});
      if (!bound.some((p) => publish.has(p.includes('/') ? p : `${p}/tcp`))) return false;
    }
    if (expose.size) {
      const exposed = Object.keys(configOf(c.record).ExposedPorts ?? {});
      if (!exposed.some((p) => expose.has(p.includes('/') ? p : `${p}/tcp`))) return false;
    }
    if (f.health?.length && !f.health.includes(c.state.health?.Status ?? 'none')) return false;
    if (f['is-task']?.length && f['is-task'].includes('true')) return false;
    return true;
  };
}
