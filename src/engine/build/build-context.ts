import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidParameter } from '../../errdefs/index.js';
import { containerPathOf, resolveInRoot } from '../containers/root-path.js';
import { untarInto } from '../containers/untar-into.js';

/** A build context on disk: the request's tar extracted into a private folder. */
export interface BuildContext {
  /** The folder holding the context's files. */
  root: string;
  /** The Dockerfile's text. */
  dockerfile: string;
  /** Removes the folder. */
  close(): Promise<void>;
}

/** The first chunk of a stream, and a stream that gives it back followed by the rest. */
async function peek(input: Readable): Promise<{ head: Buffer; stream: Readable }> {
  const out = new PassThrough();
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value as Buffer);
  out.write(head);
  void (async () => {
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        if (!out.write(next.value)) await new Promise((r) => out.once('drain', r));
      }
      out.end();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return { head, stream: out };
}

/** The context as a plain tar: gzip is decompressed; bzip2 and xz are refused by name. */
export async function plainTar(input: Readable): Promise<Readable> {
  const { head, stream } = await peek(input);
  if (head[0] === 0x1f && head[1] === 0x8b) return stream.pipe(createGunzip());
  if (head.subarray(0, 3).toString('latin1') === 'BZh')
    throw new InvalidParameter('the build context is bzip2-compressed: send a plain or gzip-compressed tar');
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])))
    throw new InvalidParameter('the build context is xz-compressed: send a plain or gzip-compressed tar');
  return stream;
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
 * Extracts the request's tar (plain or gzip) into a new folder under `tmpDir`; every entry
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

/** The context path of a host path under the context root (for messages). */
export function contextPathOf(root: string, host: string): string {
  return containerPathOf(root, host);
}
