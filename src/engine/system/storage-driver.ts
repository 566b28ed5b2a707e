import { join } from 'node:path';
import { z } from 'zod';
import { readJsonRecord, writeJsonAtomic } from '../../state/atomic-file.js';
import { lazySchema } from '../../types/lazy-schema.js';
import { detectStorageDriver } from '../layers/detect.js';
import type { StorageDriverStatus } from './info.js';

const RecordSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    status: z.array(z.tuple([z.string(), z.string()])),
    /** The daemon.json `storage-driver` the choice was made under ('' for none). */
    preferred: z.string(),
  }),
);

/**
 * The storage driver of a data root. Detected once by a real trial mount, then recorded in
 * the data root: the layers there are in that driver's format, so the choice holds for the
 * data root's life (as Docker keeps using the driver it finds), and a restarted engine does
 * not pay for the trial mounts again. A different `storage-driver` in the config detects anew.
 */
export function storageDriverProbe(dataRoot: string, preferred?: string): () => Promise<StorageDriverStatus> {
  const file = join(dataRoot, 'storage-driver.json');
  let detected: Promise<StorageDriverStatus> | undefined;
  const detect = async (): Promise<StorageDriverStatus> => {
    const recorded = await readJsonRecord(file, RecordSchema).catch(() => undefined);
    if (recorded && recorded.preferred === (preferred ?? '')) {
      return { name: recorded.name, status: recorded.status };
    }
    const found = await detectStorageDriver(dataRoot, preferred);
    await writeJsonAtomic(file, { name: found.name, status: found.status, preferred: preferred ?? '' });
    return found;
  };
  return () => {
    if (!detected) {
      detected = detect();
      // A failure is reported, and tried again on the next request.
      detected.catch(() => {
        detected = undefined;
      });
    }
    return detected;
  };
}
