import type { ContentStore } from '../content/store.js';
import type { EventBus } from '../events/bus.js';
import type { Snapshotter } from '../layers/types.js';
import type { RegistryClient } from '../registry/client.js';
import type { ImageService } from './image-service.js';
import type { ImageStore } from './image-store.js';

/** What push, save, load and import work with. */
export interface TransferContext {
  content: ContentStore;
  images: ImageStore;
  /** Name and id lookup, and configs. */
  service: ImageService;
  /** The layer store (resolved lazily: the storage driver is detected at start). */
  snapshotter: () => Promise<Snapshotter>;
  registry: RegistryClient;
  bus: EventBus;
  /** A folder on the data root's file system for spooled uploads. */
  tmpDir: string;
  /** daemon.json `max-concurrent-uploads` (Docker's default 5): layers pushed at once. */
  maxConcurrentUploads: number;
}
