import type { ImagesBackend } from '../../api/backends.js';
import { STORAGE_DRIVERS, type StorageDriverName } from '../layers/types.js';
import type { ImagesModule } from './images-module.js';

/** An ImagesBackend usable at once whose calls wait for the module's start-up. */
export function lazyImagesBackend(ready: Promise<ImagesModule>): ImagesBackend {
  return {
    pull: async (query, signal) => (await ready).pull(query, signal),
    list: async (query) => (await ready).list(query),
    inspect: async (name) => (await ready).inspect(name),
    history: async (name) => (await ready).history(name),
    tag: async (name, repo, tag) => (await ready).tag(name, repo, tag),
    remove: async (name, options) => (await ready).remove(name, options),
    prune: async (filters) => (await ready).prune(filters),
  };
}

/** The storage driver's name as the snapshotters know it (vfs when unknown). */
export function snapshotterDriver(name: string): StorageDriverName {
  return (STORAGE_DRIVERS as readonly string[]).includes(name) ? (name as StorageDriverName) : 'vfs';
}
