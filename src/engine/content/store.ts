import { randomBytes } from 'node:crypto';
import { createReadStream, writeSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Cancelled, NotFound } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { type BlobDescriptor, type Digest, digestHex, sha256Of } from './digest.js';
import { VerifyingStream } from './verify-stream.js';

const log = moduleLogger('content');

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** Bytes to store: a stream, an async iterable of chunks, or a buffer. */
export type BlobSource = Readable | AsyncIterable<Uint8Array> | Uint8Array;

/** Opens the bytes only when they are really needed (not when the blob exists or is on its way). */
export type BlobOpener = () => BlobSource | Promise<BlobSource>;

export interface WriteOptions {
  signal?: AbortSignal;
  /**
   * The source checks the digest itself and errors, instead of ending, when its bytes do not
   * hash to `expected.digest` (a registry download, src/engine/registry/blob-fetch.ts): the
   * store then only counts the bytes, so a blob is hashed once. The guarantee is unchanged:
   * an erroring source leaves nothing behind, and only a source that ended is renamed in.
   */
  sourceVerifies?: boolean;
}

/** No blob with this digest in the store. */
export class BlobNotFound extends NotFound {
  constructor(readonly digest: string) {
    super(`blob ${digest} not found in the content store`);
  }
}

function toReadable(source: BlobSource): Readable {
  if (source instanceof Readable) return source;
  if (source instanceof Uint8Array) return Readable.from([source]);
  return Readable.from(source);
}

/**
 * Content-addressed blobs under `<root>/blobs/sha256/<hex>`. Writes go to
 * `<root>/ingest/<random>`, are checked for size and digest while streaming, fsynced and
 * renamed in: a blob in `blobs/` is always complete and verified. Concurrent writes of the
 * same digest in this process share one write.
 */
export class ContentStore {
  readonly blobsDir: string;
  readonly ingestDir: string;
  private readonly inflight = new Map<string, Promise<BlobInfo>>();

  constructor(readonly root: string) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
  }

  /** Creates the folders and removes what an interrupted write left in ingest/. */
  async init(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true });
    await mkdir(this.ingestDir, { recursive: true });
    await this.cleanIngest();
  }

  blobPath(digest: string): string {
    return join(this.blobsDir, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.blobPath(digest))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async info(digest: string): Promise<BlobInfo> {
    try {
      const st = await stat(this.blobPath(digest));
      return { digest: digest as Digest, size: st.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFound(digest);
      throw err;
    }
  }

  /** A stream of the blob's bytes; BlobNotFound when absent. */
  async readStream(digest: string, range: { start?: number; end?: number } = {}): Promise<Readable> {
    const path = this.blobPath(digest);
    const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new BlobNotFound(digest) : err;
    });
    return createReadStream(path, { fd: handle, autoClose: true, ...range });
  }

  async readBuffer(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFound(digest);
      throw err;
    }
  }

  /** Removes a blob; BlobNotFound when absent. */
  async delete(digest: string): Promise<void> {
    if (!(await this.has(digest))) throw new BlobNotFound(digest);
    await rm(this.blobPath(digest), { force: true });
  }

  async list(): Promise<BlobInfo[]> {
    const names = await readdir(this.blobsDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    const out: BlobInfo[] = [];
    for (const name of names) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      try {
        const st = await stat(join(this.blobsDir, name));
        if (st.isFile()) out.push({ digest: `sha256:${name}`, size: st.size });
      } catch {}
    }
    return out;
  }

  /** Removes every leftover in ingest/ (call at start-up, before any write); returns how many. */
  async cleanIngest(): Promise<number> {
    const names = await readdir(this.ingestDir).catch(() => [] as string[]);
    for (const name of names) await rm(join(this.ingestDir, name), { recursive: true, force: true });
    if (names.length > 0) log.info({ count: names.length }, 'removed partial writes from ingest');
    return names.length;
  }

  /**
   * Stores a blob that must match `expected`. A source given as an opener is opened only when
   * the blob is neither present nor already being written by someone else; a mismatch
   * throws DigestMismatch/SizeMismatch and leaves nothing behind.
   */
  async write(
    expected: BlobDescriptor,
    source: BlobSource | BlobOpener,
    options: WriteOptions = {},
  ): Promise<BlobInfo> {
    digestHex(expected.digest);
    const running = this.inflight.get(expected.digest);
    if (running) {
      discard(source);
      return running;
    }
    const job = this.writeOnce(expected, source, options).finally(() => {
      this.inflight.delete(expected.digest);
    });
    this.inflight.set(expected.digest, job);
    return job;
  }

  /** Stores bytes in memory, computing their digest when none is expected. */
  async writeBuffer(data: Uint8Array, expected?: BlobDescriptor): Promise<BlobInfo> {
    return this.write(expected ?? { digest: sha256Of(data), size: data.length }, data);
  }

  private async writeOnce(
    expected: BlobDescriptor,
    source: BlobSource | BlobOpener,
    options: WriteOptions,
  ): Promise<BlobInfo> {
    const existing = await this.info(expected.digest).catch(() => undefined);
    if (existing && (expected.size === undefined || existing.size === expected.size)) {
      discard(source);
      return existing;
    }
    options.signal?.throwIfAborted();
    await mkdir(this.ingestDir, { recursive: true });
    await mkdir(this.blobsDir, { recursive: true });
    const tmp = join(
      this.ingestDir,
      `${digestHex(expected.digest).slice(0, 12)}-${randomBytes(8).toString('hex')}`,
    );
    const handle = await open(tmp, 'wx', 0o644);
    const verifier = new VerifyingStream(expected, { hash: options.sourceVerifies !== true });
    try {
      const input = toReadable(typeof source === 'function' ? await source() : source);
      await pipeline(input, verifier, fileSink(handle), options.signal ? { signal: options.signal } : {});
    } catch (err) {
      await handle.close().catch(() => {});
      await rm(tmp, { force: true });
      if ((err as Error).name === 'AbortError')
        throw new Cancelled(`write of ${expected.digest} cancelled`, { cause: err });
      throw err;
    }
    await handle.close();
    const final = this.blobPath(expected.digest);
    try {
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await syncDir(this.blobsDir);
    log.debug({ digest: expected.digest, size: verifier.bytesSeen }, 'blob stored');
    return { digest: expected.digest as Digest, size: verifier.bytesSeen };
  }
}

/**
 * Writes chunks to an open file and fsyncs it at the end (the handle stays open). The writes
 * are synchronous: they only fill the page cache (tens of microseconds per registry chunk),
 * where a thread-pool round trip and its promises per chunk cost more than the write.
 */
function fileSink(handle: FileHandle): Writable {
  const writeAll = (chunk: Buffer): void => {
    let offset = 0;
    while (offset < chunk.length) offset += writeSync(handle.fd, chunk, offset, chunk.length - offset);
  };
  return new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _enc, callback) {
      try {
        writeAll(chunk);
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback();
    },
    final(callback) {
      handle.sync().then(() => callback(), callback);
    },
  });
}

function discard(source: BlobSource | BlobOpener): void {
  if (source instanceof Readable) source.destroy();
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
