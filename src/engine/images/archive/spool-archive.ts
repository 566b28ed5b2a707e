import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { InvalidParameter } from '../../../errdefs/index.js';
import { decompressLayer } from '../../layers/extract/decompress.js';

/** A regular file of the archive, written to the spool folder. */
export interface SpooledFile {
  /** Where its bytes are now. */
  path: string;
  size: number;
  /** sha256 of its bytes. */
  digest: string;
}

/** An image archive unpacked into a temporary folder (flat: file names are numbers). */
export interface SpooledArchive {
  dir: string;
  /** The file at an archive path (`./x`, `x` alike; symlinks and hard links followed). */
  file(name: string): SpooledFile | undefined;
  names(): string[];
  remove(): Promise<void>;
}

/** Archive paths as one normal form: no leading `./` or `/`, no `..` above the root. */
export function normalizeEntryName(name: string): string | undefined {
  const clean = posix.normalize(`/${name}`).slice(1).replace(/\/+$/, '');
  return clean === '' ? undefined : clean;
}

const MAX_LINK_HOPS = 16;

/**
 * Reads an image archive (tar, optionally gzip or zstd compressed) into `<tmpRoot>/load-*`,
 * hashing every regular file on the way. Anything but files, folders and links is ignored.
 * Throws InvalidParameter for input that is not a tar; removes the folder on failure.
 */
export async function spoolArchive(
  input: Readable,
  tmpRoot: string,
  signal?: AbortSignal,
): Promise<SpooledArchive> {
  await mkdir(tmpRoot, { recursive: true });
  const dir = await mkdtemp(join(tmpRoot, 'load-'));
  const files = new Map<string, SpooledFile>();
  const links = new Map<string, { target: string; hard: boolean }>();
  let counter = 0;
  try {
    const { stream } = await decompressLayer(input, signal);
    const extract = tar.extract();
    const consume = (async () => {
      for await (const entry of extract) {
        const h = entry.header;
        const name = normalizeEntryName(h.name);
        if (name && h.type === 'file') {
          const path = join(dir, String(counter++));
          const hash = createHash('sha256');
          let size = 0;
          const tap = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              hash.update(chunk);
              size += chunk.length;
              cb(null, chunk);
            },
          });
          await pipeline(entry, tap, createWriteStream(path), signal ? { signal } : {});
          files.set(name, { path, size, digest: `sha256:${hash.digest('hex')}` });
        } else {
          if (name && (h.type === 'symlink' || h.type === 'link') && h.linkname)
            links.set(name, { target: h.linkname, hard: h.type === 'link' });
          entry.resume();
        }
      }
    })().catch((err: unknown) => {
      extract.destroy(err as Error);
      throw err;
    });
    await Promise.all([pipeline(stream, extract, signal ? { signal } : {}), consume]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    if ((err as Error).name === 'AbortError') throw err;
    throw new InvalidParameter(`invalid image archive: ${(err as Error).message}`, { cause: err });
  }
  const file = (raw: string): SpooledFile | undefined => {
    let name = normalizeEntryName(raw);
    for (let hop = 0; name && hop < MAX_LINK_HOPS; hop++) {
      const found = files.get(name);
      if (found) return found;
      const link = links.get(name);
      if (!link) return undefined;
      name = normalizeEntryName(link.hard ? link.target : posix.join(posix.dirname(name), link.target));
    }
    return undefined;
  };
  return {
    dir,
    file,
    names: () => [...files.keys(), ...links.keys()],
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
