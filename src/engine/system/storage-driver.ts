import { detectStorageDriver } from '../layers/detect.js';
import type { StorageDriverStatus } from './info.js';

/**
 * The storage driver as the layers module detects it (a real trial mount under the data
 * root). Detected once and remembered: the answer does not change while the engine runs.
 */
export function storageDriverProbe(dataRoot: string, preferred?: string): () => Promise<StorageDriverStatus> {
  let detected: Promise<StorageDriverStatus> | undefined;
  return () => {
    if (!detected) {
      detected = detectStorageDriver(dataRoot, preferred);
      // A failure is reported, and tried again on the next request.
      detected.catch(() => {
        detected = undefined;
      });
    }
    return detected;
  };
}
