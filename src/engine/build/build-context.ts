import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidParameter } from '../../errdefs/index.js';
import { resolveInRoot } from '../containers/root-path.js';
import { untarInto } from '../containers/untar-into.js';
import { peekStream, sniffArchiveCompression } from '../layers/extract/decompress.js';
import { decompress } from './archive-stream.js';

/** A build context on disk: the request's tar extracted into a private folder. */
export interface BuildContext {
  /** The folder holding the context's files. */
  root: string;
  /** The Dockerfile's text. */
  dockerfile: string;
  /** Removes the folder. */
  close(): Promise<void>;
}

/** The context as a plain tar: gzip, bzip2, xz and zstd are decompressed, as Docker does. */
export async function plainTar(input: Readable): Promise<Readable> {
  const { head, stream } = await peekStream(input, 6);
  return decompress(stream, sniffArchiveCompression(head));
}

/** The Dockerfile's host path, inside the context (symlinks resolved within it). */
export async function dockerfilePath(root: string, name: string): Promise<string> {
  const candidates = name === '' || name === 'Dockerfile' ? ['Dockerfile', 'dockerfile'] : [name];
  for (const c of candidates) {
    const host = await resolveInRoot(root, `/${c}`, true);
    const st = await stat(host).catch(() => undefined);
    if (st?.isFile()) return host;
  }
  throw new InvalidParameter(`Cannot locate specified Dockerfile: ${name || 'Dockerfile'}`);
}

/**
 * Extracts the request's tar (plain or compressed) into a new folder under `tmpDir`; every entry
 * stays inside it (`..` refused, parents resolved inside the folder). Reads the Dockerfile
 * named by `dockerfile` (a path inside the context).
 */
export async function openBuildContext(
  input: Readable,
  options: { tmpDir: string; dockerfile: string },
): Promise<BuildContext> {
  await mkdir(options.tmpDir, { recursive: true });
  const root = await mkdtemp(join(options.tmpDir, 'build-'));
  const close = () => rm(root, { recursive: true, force: true });
  try {
    await untarInto(await plainTar(input), {
      root,
      dir: '/',
      noOverwriteDirNonDir: false,
      copyUIDGID: false,
    });
    const file = await dockerfilePath(root, options.dockerfile);
    return { root, dockerfile: await readFile(file, 'utf8'), close };
  } catch (err) {
    await close();
    throw err;
  }
}
