import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { moduleLogger } from '../../log/index.js';
import { readJsonRecord, writeJsonAtomic } from '../../state/atomic-file.js';
import {
  type ContainerNets,
  ContainerNetsSchema,
  type NetworkRecord,
  NetworkRecordSchema,
} from './network-record.js';

const log = moduleLogger('networks.store');

/** Network records and per-container wishes on disk, each written atomically. */
export class NetworkStore {
  private readonly dir: string;
  private readonly containersDir: string;

  constructor(dataRoot: string) {
    this.dir = join(dataRoot, 'networks');
    this.containersDir = join(this.dir, 'containers');
  }

  async init(): Promise<NetworkRecord[]> {
    await mkdir(this.containersDir, { recursive: true });
    const out: NetworkRecord[] = [];
    for (const file of await readdir(this.dir)) {
      if (!file.endsWith('.json')) continue;
      try {
        const rec = await readJsonRecord(join(this.dir, file), NetworkRecordSchema);
        if (rec) out.push(rec);
      } catch (err) {
        log.warn({ err, file }, 'network record unreadable; skipped');
      }
    }
    return out;
  }

  save(n: NetworkRecord): Promise<void> {
    return writeJsonAtomic(join(this.dir, `${n.id}.json`), n, { durable: false });
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.json`), { force: true });
  }

  async loadContainer(id: string): Promise<ContainerNets | undefined> {
    return (await readJsonRecord(join(this.containersDir, `${id}.json`), ContainerNetsSchema)) ?? undefined;
  }

  saveContainer(id: string, nets: ContainerNets): Promise<void> {
    return writeJsonAtomic(join(this.containersDir, `${id}.json`), nets, { durable: false });
  }

  async removeContainer(id: string): Promise<void> {
    await rm(join(this.containersDir, `${id}.json`), { force: true });
  }
}
