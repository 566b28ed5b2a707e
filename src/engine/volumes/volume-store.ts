import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { InvalidParameter, NotFound } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { readJsonRecord, writeJsonAtomic } from '../../state/atomic-file.js';
import { lazySchema } from '../../types/lazy-schema.js';
import type { VolumeView } from '../../types/volume.js';
import { type VolumeBacking, validateDriverOptions, validateVolumeName } from './volume-options.js';

const log = moduleLogger('volumes.store');

export const VolumeRecordSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    driver: z.string(),
    createdAt: z.string(),
    labels: z.record(z.string(), z.string()),
    options: z.record(z.string(), z.string()),
  }),
);
export type VolumeRecord = z.infer<typeof VolumeRecordSchema>;

export interface NewVolume {
  name?: string | null;
  driver?: string | null;
  driverOpts?: Record<string, string> | null;
  labels?: Record<string, string> | null;
}

/** Volumes of the `local` driver: `<root>/<name>/_data` and `<root>/<name>/volume.json`. */
export class VolumeStore {
  private readonly byName = new Map<string, VolumeRecord>();

  constructor(readonly root: string) {}

  async load(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const name of await readdir(this.root)) {
      if (name.startsWith('.')) continue;
      try {
        const rec = await readJsonRecord(this.metaPath(name), VolumeRecordSchema);
        if (rec) this.byName.set(name, rec);
      } catch (err) {
        log.warn({ err, name }, 'volume record unreadable; skipped');
      }
    }
  }

  dataPath(name: string): string {
    return join(this.root, name, '_data');
  }

  private metaPath(name: string): string {
    return join(this.root, name, 'volume.json');
  }

  find(name: string): VolumeRecord | undefined {
    return this.byName.get(name);
  }

  get(name: string): VolumeRecord {
    const rec = this.byName.get(name);
    if (!rec) throw new NotFound(`get ${name}: no such volume`);
    return rec;
  }

  list(): VolumeRecord[] {
    return [...this.byName.values()];
  }

  backing(rec: VolumeRecord): VolumeBacking {
    return validateDriverOptions(rec.name, rec.options);
  }

  /** Creates the volume, or returns the existing one of that name (`created` false). */
  async create(req: NewVolume): Promise<{ record: VolumeRecord; created: boolean }> {
    const driver = req.driver || 'local';
    if (driver !== 'local')
      throw new InvalidParameter(
        `create ${req.name ?? ''}: volume driver "${driver}" is not supported by rootlessd (only "local")`,
      );
    const name = req.name || randomBytes(32).toString('hex');
    validateVolumeName(name);
    const existing = this.byName.get(name);
    if (existing) return { record: existing, created: false };
    const options = { ...(req.driverOpts ?? {}) };
    validateDriverOptions(name, options);
    const record: VolumeRecord = {
      name,
      driver,
      createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      labels: { ...(req.labels ?? {}) },
      options,
    };
    this.byName.set(name, record);
    try {
      await mkdir(this.dataPath(name), { recursive: true, mode: 0o755 });
      await writeJsonAtomic(this.metaPath(name), record);
    } catch (err) {
      this.byName.delete(name);
      throw err;
    }
    return { record, created: true };
  }

  async remove(name: string): Promise<void> {
    this.get(name);
    this.byName.delete(name);
    // Renamed first so that a crash mid-way leaves no half volume behind.
    const trash = join(this.root, `.removing-${name}-${Date.now()}`);
    await rename(join(this.root, name), trash).catch(() => undefined);
    await rm(trash, { recursive: true, force: true });
    await rm(join(this.root, name), { recursive: true, force: true });
  }

  view(rec: VolumeRecord): VolumeView {
    return {
      Name: rec.name,
      Driver: rec.driver,
      Mountpoint: this.dataPath(rec.name),
      CreatedAt: rec.createdAt,
      Labels: rec.labels,
      Scope: 'local',
      Options: rec.options,
    };
  }
}
