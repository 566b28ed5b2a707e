import { join } from 'node:path';
import { z } from 'zod';
import { readJsonRecord, writeJsonAtomic } from '../../state/atomic-file.js';
import { lazySchema } from '../../types/lazy-schema.js';

const ImageRecordSchema = lazySchema(() =>
  z.object({
    /** sha256:… of the image config: the image id. */
    id: z.string(),
    /** Normalised repository@manifest-digest strings (docker.io/library/busybox@sha256:…). */
    repoDigests: z.array(z.string()),
    /** RFC 3339; the last time a tag was set to this image. */
    lastTagTime: z.string().optional(),
    /** Digest of the platform image manifest it was pulled or pushed with (in the content store). */
    manifestDigest: z.string().optional(),
    /** The image this one was built or committed from, if any (local only). */
    parent: z.string().optional(),
    /** When the record was made here (for `since`/`before` and ordering). */
    added: z.string(),
  }),
);
export type ImageRecord = z.infer<typeof ImageRecordSchema>;

const IndexSchema = lazySchema(() =>
  z.object({
    images: z.record(z.string(), ImageRecordSchema),
    /** Normalised name:tag → image id. */
    tags: z.record(z.string(), z.string()),
  }),
);
type Index = z.infer<typeof IndexSchema>;

/**
 * The image metadata store: which images exist, their tags and repo digests. The config and
 * manifest bytes live in the content store; layers live in the layer store. One index file,
 * written atomically; every change runs through one queue so writers never interleave.
 */
export class ImageStore {
  private index: Index = { images: {}, tags: {} };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly file: string;

  constructor(dir: string) {
    this.file = join(dir, 'index.json');
  }

  async load(): Promise<void> {
    this.index = (await readJsonRecord(this.file, IndexSchema)) ?? { images: {}, tags: {} };
  }

  list(): ImageRecord[] {
    return Object.values(this.index.images);
  }

  get(id: string): ImageRecord | undefined {
    return this.index.images[id];
  }

  /** Ids whose hex starts with the given prefix (with or without `sha256:`). */
  findByPrefix(prefix: string): ImageRecord[] {
    const hex = prefix.startsWith('sha256:') ? prefix.slice(7) : prefix;
    return this.list().filter((r) => r.id.slice(7).startsWith(hex));
  }

  tagTarget(name: string): string | undefined {
    return this.index.tags[name];
  }

  tagsOf(id: string): string[] {
    return Object.entries(this.index.tags)
      .filter(([, target]) => target === id)
      .map(([name]) => name)
      .sort();
  }

  allTags(): Record<string, string> {
    return { ...this.index.tags };
  }

  /** Adds or updates an image; a repo digest is added once. */
  put(
    id: string,
    update: { repoDigest?: string; parent?: string; manifestDigest?: string } = {},
  ): Promise<ImageRecord> {
    return this.mutate((index) => {
      const now = new Date().toISOString();
      const record = index.images[id] ?? { id, repoDigests: [], added: now };
      if (update.repoDigest) {
        const repo = update.repoDigest.split('@')[0];
        record.repoDigests = [
          ...record.repoDigests.filter((d) => d.split('@')[0] !== repo),
          update.repoDigest,
        ];
      }
      if (update.parent) record.parent = update.parent;
      if (update.manifestDigest) record.manifestDigest = update.manifestDigest;
      index.images[id] = record;
      return record;
    });
  }

  /** Points a tag at an image; returns the id it pointed to before (if another one). */
  tag(name: string, id: string): Promise<string | undefined> {
    return this.mutate((index) => {
      const previous = index.tags[name];
      index.tags[name] = id;
      const record = index.images[id];
      if (record) record.lastTagTime = new Date().toISOString();
      return previous === id ? undefined : previous;
    });
  }

  untag(name: string): Promise<boolean> {
    return this.mutate((index) => {
      if (!(name in index.tags)) return false;
      delete index.tags[name];
      return true;
    });
  }

  removeRepoDigest(id: string, repoDigest: string): Promise<void> {
    return this.mutate((index) => {
      const record = index.images[id];
      if (record) record.repoDigests = record.repoDigests.filter((d) => d !== repoDigest);
    });
  }

  /** Deletes the record and every tag pointing at it. */
  delete(id: string): Promise<void> {
    return this.mutate((index) => {
      delete index.images[id];
      for (const [name, target] of Object.entries(index.tags)) if (target === id) delete index.tags[name];
    });
  }

  private mutate<T>(change: (index: Index) => T): Promise<T> {
    const next = this.queue.then(async () => {
      const draft = structuredClone(this.index);
      const result = change(draft);
      await writeJsonAtomic(this.file, draft);
      this.index = draft;
      return result;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
