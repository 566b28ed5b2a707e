import { posix } from 'node:path';
import { InvalidParameter } from '../../errdefs/index.js';
import type { Mount } from '../../types/volume.js';

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

/** One mount a container asked for, before volumes are created or paths checked. */
export interface PlannedMount {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind), volume name ('' for a new anonymous volume), '' for tmpfs. */
  source: string;
  destination: string;
  rw: boolean;
  /** The mode string as inspect shows it (`ro`, `z`, ...). */
  mode: string;
  propagation: string;
  noCopy: boolean;
  subpath: string;
  tmpfsOptions: string[];
  /** From `Binds` (a missing host path is created) rather than `Mounts` (an error). */
  fromBinds: boolean;
}

function absoluteDestination(dest: string, spec: string): string {
  if (!dest.startsWith('/'))
    throw new InvalidParameter(
      `invalid volume specification: '${spec}': invalid mount config: destination must be an absolute path`,
    );
  if (dest === '/')
    throw new InvalidParameter(`invalid volume specification: '${spec}': destination can't be '/'`);
  return posix.normalize(dest).replace(/(.)\/$/, '$1');
}

/** `src:dst[:mode]` of HostConfig.Binds. */
export function parseBind(spec: string): PlannedMount {
  const parts = spec.split(':');
  const [source = '', dest = '', mode = ''] = parts;
  if (!source || !dest || parts.length > 3)
    throw new InvalidParameter(`invalid volume specification: '${spec}'`);
  const destination = absoluteDestination(dest, spec);
  const modes = mode.split(',').filter(Boolean);
  let rw = true;
  let propagation = '';
  let noCopy = false;
  for (const m of modes) {
    if (m === 'ro') rw = false;
    else if (m === 'rw') rw = true;
    else if (PROPAGATIONS.includes(m)) propagation = m;
    else if (m === 'nocopy') noCopy = true;
    else if (!['z', 'Z', 'consistent', 'cached', 'delegated'].includes(m))
      throw new InvalidParameter(`invalid mode: ${m}`);
  }
  const isPath = source.startsWith('/');
  if (isPath && noCopy) throw new InvalidParameter(`invalid mode: nocopy`);
  if (!isPath && propagation)
    throw new InvalidParameter(
      `invalid volume specification: '${spec}': propagation is only valid for binds`,
    );
  return {
    type: isPath ? 'bind' : 'volume',
    source: isPath ? posix.normalize(source) : source,
    destination,
    rw,
    mode,
    propagation: isPath ? propagation || 'rprivate' : '',
    noCopy,
    subpath: '',
    tmpfsOptions: [],
    fromBinds: true,
  };
}

function tmpfsOptions(m: Mount): string[] {
  const o = m.TmpfsOptions;
  const out: string[] = [];
  if (o?.SizeBytes !== undefined && o.SizeBytes !== null) {
    if (o.SizeBytes < 0)
      throw new InvalidParameter('invalid mount config for type "tmpfs": size must be positive');
    if (o.SizeBytes > 0) out.push(`size=${o.SizeBytes}`);
  }
  if (o?.Mode) out.push(`mode=${o.Mode.toString(8).padStart(4, '0')}`);
  for (const opt of o?.Options ?? []) out.push(opt.filter(Boolean).join('='));
  return out;
}

/** One entry of HostConfig.Mounts, with Docker's validation messages. */
export function parseMount(m: Mount): PlannedMount {
  const type = m.Type ?? '';
  const bad = (why: string) => new InvalidParameter(`invalid mount config for type "${type}": ${why}`);
  if (!m.Target) throw bad('field Target must not be empty');
  if (!m.Target.startsWith('/')) throw bad(`invalid mount path: '${m.Target}' mount path must be absolute`);
  const destination = posix.normalize(m.Target).replace(/(.)\/$/, '$1');
  const rw = !m.ReadOnly;
  const base = { destination, rw, noCopy: false, subpath: '', tmpfsOptions: [], fromBinds: false };
  if (type === 'bind') {
    if (m.VolumeOptions) throw bad('field VolumeOptions must not be specified');
    if (m.TmpfsOptions) throw bad('field TmpfsOptions must not be specified');
    if (!m.Source) throw bad('field Source must not be empty');
    if (!m.Source.startsWith('/')) throw bad(`invalid mount path: '${m.Source}' mount path must be absolute`);
    const propagation = m.BindOptions?.Propagation || 'rprivate';
    if (!PROPAGATIONS.includes(propagation)) throw bad(`invalid propagation mode: ${propagation}`);
    return { ...base, type: 'bind', source: posix.normalize(m.Source), mode: '', propagation };
  }
  if (type === 'volume') {
    if (m.BindOptions) throw bad('field BindOptions must not be specified');
    if (m.TmpfsOptions) throw bad('field TmpfsOptions must not be specified');
    const driver = m.VolumeOptions?.DriverConfig?.Name;
    if (driver && driver !== 'local') throw bad(`volume driver "${driver}" is not supported by rootlessd`);
    const subpath = m.VolumeOptions?.Subpath ?? '';
    if (subpath && (subpath.startsWith('/') || posix.normalize(subpath).split('/').includes('..')))
      throw bad('subpath must be a relative path within the volume');
    if (subpath && !m.Source) throw bad('cannot use subpath with anonymous volumes');
    return {
      ...base,
      type: 'volume',
      source: m.Source ?? '',
      mode: 'z',
      propagation: '',
      noCopy: Boolean(m.VolumeOptions?.NoCopy),
      subpath: subpath ? posix.normalize(subpath) : '',
    };
  }
  if (type === 'tmpfs') {
    if (m.Source) throw bad('field Source must not be specified');
    if (m.BindOptions) throw bad('field BindOptions must not be specified');
    if (m.VolumeOptions) throw bad('field VolumeOptions must not be specified');
    return { ...base, type: 'tmpfs', source: '', mode: '', propagation: '', tmpfsOptions: tmpfsOptions(m) };
  }
  throw new InvalidParameter(`mount type unknown: "${type}"`);
}

/** One `VolumesFrom` entry, `container[:mode]`, as Docker parses it. */
export function parseVolumesFrom(spec: string): { container: string; readOnly: boolean } {
  if (spec === '') throw new InvalidParameter('volumes-from specification cannot be an empty string');
  const i = spec.indexOf(':');
  const container = i < 0 ? spec : spec.slice(0, i);
  const mode = i < 0 ? '' : spec.slice(i + 1);
  if (mode !== '' && !mode.split(',').every((m) => ['ro', 'rw', 'z', 'Z'].includes(m)))
    throw new InvalidParameter(`invalid mode for volumes-from: ${mode}`);
  return { container, readOnly: mode.split(',').includes('ro') };
}

/**
 * Every mount of a container: the mounts it takes from other containers (`VolumesFrom`), then
 * Binds and Mounts (which replace an inherited mount at the same destination, as Docker's), then
 * the image's and config's `Volumes` that no other mount covers (anonymous volumes). Duplicate
 * destinations among Binds and Mounts are Docker's 400.
 */
export function planMounts(
  binds: readonly string[],
  mounts: readonly Mount[],
  volumes: Record<string, unknown> | undefined,
  inherited: readonly PlannedMount[] = [],
): PlannedMount[] {
  const out = new Map<string, PlannedMount>();
  for (const p of inherited) out.set(p.destination, p);
  const own = new Set<string>();
  const add = (p: PlannedMount) => {
    if (own.has(p.destination)) throw new InvalidParameter(`Duplicate mount point: ${p.destination}`);
    own.add(p.destination);
    out.set(p.destination, p);
  };
  for (const b of binds) add(parseBind(b));
  for (const m of mounts) add(parseMount(m));
  for (const dest of Object.keys(volumes ?? {})) {
    if (!dest.startsWith('/')) continue;
    const destination = posix.normalize(dest).replace(/(.)\/$/, '$1');
    if (out.has(destination)) continue;
    out.set(destination, {
      type: 'volume',
      source: '',
      destination,
      rw: true,
      mode: '',
      propagation: '',
      noCopy: false,
      subpath: '',
      tmpfsOptions: [],
      fromBinds: false,
    });
  }
  return [...out.values()];
}
