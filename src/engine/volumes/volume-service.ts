import { randomBytes } from 'node:crypto';
import { lstat, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Conflict, InvalidParameter, isRootlessdError } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { readJsonRecord, writeJsonAtomic } from '../../state/atomic-file.js';
import { lazySchema } from '../../types/lazy-schema.js';
import type {
  Mount,
  MountPointView,
  VolumeCreateRequest,
  VolumeListResponse,
  VolumePruneReport,
  VolumeView,
} from '../../types/volume.js';
import type { EventBus } from '../events/bus.js';
import { copyUp } from './copy-up.js';
import { type PlannedMount, planMounts } from './mount-plan.js';
import { diskUsage, type Filters, volumeMatcher } from './volume-filters.js';
import { ANONYMOUS_LABEL } from './volume-options.js';
import { type VolumeRecord, VolumeStore } from './volume-store.js';

const log = moduleLogger('volumes');

const ResolvedMountSchema = lazySchema(() =>
  z.object({
    type: z.enum(['bind', 'volume', 'tmpfs']),
    source: z.string(),
    destination: z.string(),
    rw: z.boolean(),
    mode: z.string(),
    propagation: z.string(),
    noCopy: z.boolean(),
    subpath: z.string(),
    tmpfsOptions: z.array(z.string()),
    fromBinds: z.boolean(),
    anonymous: z.boolean(),
  }),
);
type ResolvedMount = z.infer<typeof ResolvedMountSchema>;
const MountsFileSchema = lazySchema(() => z.array(ResolvedMountSchema));

/** A mount as the OCI runtime spec takes it. */
export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** The container's mount inputs as create sees them. */
export interface MountRequest {
  binds: readonly string[];
  mounts: readonly Mount[];
  volumes: Record<string, unknown> | undefined;
  /** `VolumesFrom`, its containers already resolved to ids. */
  volumesFrom?: ReadonlyArray<{ id: string; readOnly: boolean }>;
}

/** Volumes (the /volumes API) and the mounts of containers (create, start, remove). */
export class VolumeService {
  readonly store: VolumeStore;
  private readonly byContainer = new Map<string, ResolvedMount[]>();

  constructor(
    dataRoot: string,
    private readonly bus: EventBus,
  ) {
    this.store = new VolumeStore(join(dataRoot, 'volumes'));
  }

  load(): Promise<void> {
    return this.store.load();
  }

  private publish(name: string, action: string, attributes: Record<string, string> = {}): void {
    this.bus.publish({
      type: 'volume',
      action,
      actor: { id: name, attributes: { driver: 'local', ...attributes } },
    });
  }

  /** Ids of the containers that use a volume. */
  users(name: string): string[] {
    const out: string[] = [];
    for (const [id, mounts] of this.byContainer)
      if (mounts.some((m) => m.type === 'volume' && m.source === name)) out.push(id);
    return out;
  }

  // ---- the /volumes API ----

  async create(req: VolumeCreateRequest): Promise<VolumeView> {
    const { record, created } = await this.store.create({
      name: req.Name,
      driver: req.Driver,
      driverOpts: req.DriverOpts,
      labels: req.Labels,
    });
    if (created) this.publish(record.name, 'create');
    return this.store.view(record);
  }

  inspect(name: string): VolumeView {
    return this.store.view(this.store.get(name));
  }

  async list(filters: Filters): Promise<VolumeListResponse> {
    const match = volumeMatcher(filters, (name) => this.users(name).length > 0);
    return {
      Volumes: this.store
        .list()
        .filter(match)
        .map((r) => this.store.view(r)),
      Warnings: [],
    };
  }

  async remove(name: string, force: boolean): Promise<void> {
    try {
      this.store.get(name);
    } catch (err) {
      if (force && isRootlessdError(err) && err.kind === 'NotFound') return;
      throw err;
    }
    const users = this.users(name);
    if (users.length > 0) throw new Conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    await this.store.remove(name);
    this.publish(name, 'destroy');
  }

  async prune(filters: Filters): Promise<VolumePruneReport> {
    const all = (filters.all ?? []).some((v) => v === 'true' || v === '1');
    const rest: Filters = { ...filters };
    delete rest.all;
    for (const key of Object.keys(rest))
      if (key !== 'label' && key !== 'label!') throw new InvalidParameter(`invalid filter '${key}'`);
    const match = volumeMatcher(rest, () => false);
    const report: VolumePruneReport = { VolumesDeleted: [], SpaceReclaimed: 0 };
    for (const rec of this.store.list()) {
      if (!all && rec.labels[ANONYMOUS_LABEL] === undefined) continue;
      if (!match(rec) || this.users(rec.name).length > 0) continue;
      const size = await diskUsage(this.store.dataPath(rec.name));
      await this.remove(rec.name, false).catch((err: unknown) =>
        log.warn({ err, name: rec.name }, 'prune failed'),
      );
      report.VolumesDeleted.push(rec.name);
      report.SpaceReclaimed += size;
    }
    return report;
  }

  /** `docker system df`: every volume with its size and how many containers use it. */
  async usage(): Promise<VolumeView[]> {
    const out: VolumeView[] = [];
    for (const rec of this.store.list()) {
      const Size = await diskUsage(this.store.dataPath(rec.name));
      out.push({ ...this.store.view(rec), UsageData: { Size, RefCount: this.users(rec.name).length } });
    }
    return out;
  }

  // ---- containers ----

  /**
   * At create: checks every mount, creates named volumes on demand, anonymous volumes and
   * missing `Binds` host paths; records the container's mounts in `<dir>/mounts.json`.
   */
  async attach(id: string, dir: string, req: MountRequest): Promise<void> {
    const inherited = (req.volumesFrom ?? []).flatMap((f) => this.inherit(f.id, f.readOnly));
    const planned = planMounts(req.binds, req.mounts, req.volumes, inherited);
    const resolved: ResolvedMount[] = [];
    for (const p of planned) resolved.push(await this.resolve(p));
    this.byContainer.set(id, resolved);
    // No file for no mounts (most containers): restore() reads a missing one as none.
    if (resolved.length > 0) await writeJsonAtomic(join(dir, 'mounts.json'), resolved, { durable: false });
  }

  /**
   * Another container's mounts for `VolumesFrom`, as Docker copies them: the same volume, host
   * path or tmpfs at the same place, read-only when either says so, and never filled from this
   * container's image.
   */
  private inherit(sourceId: string, readOnly: boolean): PlannedMount[] {
    return (this.byContainer.get(sourceId) ?? []).map(({ anonymous: _, ...m }) => ({
      ...m,
      rw: m.rw && !readOnly,
      noCopy: true,
    }));
  }

  private async resolve(p: PlannedMount): Promise<ResolvedMount> {
    if (p.type === 'bind') {
      const exists = await lstat(p.source).then(
        () => true,
        () => false,
      );
      if (!exists) {
        if (!p.fromBinds)
          throw new InvalidParameter(
            `invalid mount config for type "bind": bind source path does not exist: ${p.source}`,
          );
        await mkdir(p.source, { recursive: true });
      }
      return { ...p, anonymous: false };
    }
    if (p.type === 'volume') {
      const anonymous = p.source === '';
      const { record, created } = await this.store.create({
        name: anonymous ? randomBytes(32).toString('hex') : p.source,
        labels: anonymous ? { [ANONYMOUS_LABEL]: '' } : {},
      });
      if (created) this.publish(record.name, 'create');
      return { ...p, source: record.name, anonymous };
    }
    return { ...p, anonymous: false };
  }

  /** After an engine restart: the container's recorded mounts. */
  async restore(id: string, dir: string): Promise<void> {
    const mounts = await readJsonRecord(join(dir, 'mounts.json'), MountsFileSchema).catch(() => undefined);
    if (mounts) this.byContainer.set(id, mounts);
  }

  /** At start, with the rootfs mounted: copy-up into empty volumes, then the OCI mounts. */
  async prepare(id: string, rootfs: string): Promise<OciMount[]> {
    const out: OciMount[] = [];
    for (const m of this.byContainer.get(id) ?? []) {
      const rw = m.rw ? 'rw' : 'ro';
      if (m.type === 'tmpfs') {
        out.push({
          destination: m.destination,
          type: 'tmpfs',
          source: 'tmpfs',
          options: ['nosuid', 'nodev', 'noexec', ...m.tmpfsOptions, ...(m.rw ? [] : ['ro'])],
        });
        continue;
      }
      if (m.type === 'bind') {
        out.push({
          destination: m.destination,
          type: 'bind',
          source: m.source,
          options: ['rbind', rw, m.propagation || 'rprivate'],
        });
        continue;
      }
      out.push(await this.volumeMount(id, m, rootfs));
    }
    // Parents before children, as Docker sorts them.
    return out.sort((a, b) => a.destination.split('/').length - b.destination.split('/').length);
  }

  private async volumeMount(id: string, m: ResolvedMount, rootfs: string): Promise<OciMount> {
    const rec: VolumeRecord = this.store.get(m.source);
    const backing = this.store.backing(rec);
    const rw = m.rw ? 'rw' : 'ro';
    this.publish(rec.name, 'mount', {
      container: id,
      destination: m.destination,
      propagation: '',
      'read/write': String(m.rw),
    });
    if (backing.kind === 'tmpfs')
      return {
        destination: m.destination,
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'nodev', ...backing.options, rw],
      };
    if (backing.kind === 'bind') {
      const source = m.subpath ? join(backing.device, m.subpath) : backing.device;
      await this.mustExist(source, rec.name, m.subpath);
      return { destination: m.destination, type: 'bind', source, options: [...backing.options, rw] };
    }
    const data = this.store.dataPath(rec.name);
    if (m.subpath) {
      const source = join(data, m.subpath);
      await this.mustExist(source, rec.name, m.subpath);
      return { destination: m.destination, type: 'bind', source, options: ['rbind', rw, 'rprivate'] };
    }
    if (!m.noCopy)
      await copyUp(rootfs, m.destination, data).catch((err: unknown) =>
        log.warn({ err, volume: rec.name }, 'copying the image content into the volume failed'),
      );
    return { destination: m.destination, type: 'bind', source: data, options: ['rbind', rw, 'rprivate'] };
  }

  private async mustExist(path: string, name: string, subpath: string): Promise<void> {
    const ok = await stat(path).then(
      () => true,
      () => false,
    );
    if (!ok)
      throw new InvalidParameter(
        subpath
          ? `cannot access path ${path}: volume ${name} has no subpath ${subpath}`
          : `error while mounting volume '${name}': no such file or directory: ${path}`,
      );
  }

  /** The container ended: Docker's unmount events. */
  unmounted(id: string): void {
    for (const m of this.byContainer.get(id) ?? [])
      if (m.type === 'volume') this.publish(m.source, 'unmount', { container: id });
  }

  /** The container is removed: forget its mounts; with `removeAnonymous`, its anonymous volumes. */
  async detach(id: string, removeAnonymous: boolean): Promise<void> {
    const mounts = this.byContainer.get(id) ?? [];
    this.byContainer.delete(id);
    if (!removeAnonymous) return;
    for (const m of mounts) {
      if (m.type !== 'volume' || !m.anonymous || this.users(m.source).length > 0) continue;
      await this.remove(m.source, true).catch((err: unknown) =>
        log.warn({ err, volume: m.source }, 'volume removal failed'),
      );
    }
  }

  /** Inspect's `Mounts`, in Docker's shape. */
  mountPoints(id: string): MountPointView[] {
    return (this.byContainer.get(id) ?? []).map((m) => {
      if (m.type === 'volume')
        return {
          Type: 'volume',
          Name: m.source,
          Source: this.store.dataPath(m.source),
          Destination: m.destination,
          Driver: 'local',
          Mode: m.mode,
          RW: m.rw,
          Propagation: '',
        };
      if (m.type === 'tmpfs')
        return { Type: 'tmpfs', Source: '', Destination: m.destination, Mode: '', RW: m.rw, Propagation: '' };
      return {
        Type: 'bind',
        Source: m.source,
        Destination: m.destination,
        Mode: m.mode,
        RW: m.rw,
        Propagation: m.propagation,
      };
    });
  }
}
