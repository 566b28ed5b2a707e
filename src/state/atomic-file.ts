import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { Internal } from '../errdefs/index.js';

export interface AtomicWriteOptions {
  /**
   * fsync the file and its folder (default true). `false` still replaces by rename, so a crash
   * of the engine never leaves a torn record; only a crash of the machine may lose the last
   * write. For records rewritten on every container state change, whose loss the start-up
   * reconciliation repairs (container state, endpoints): an fsync costs 5–50 ms per write.
   * Such a write is made mostly in synchronous calls (writeFileAtomicFast).
   */
  durable?: boolean;
}

const tmpSibling = (path: string) =>
  join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

/**
 * writeFileAtomic without fsync: the temporary file is opened, written and closed in
 * synchronous calls (a few hundredths of a ms each, against ~0.3 ms for each hand-over to the
 * thread pool and back on this loaded 2-core machine). A rename over an existing file goes to
 * the thread pool, because it makes ext4 start writing the new file's data out first
 * (auto_da_alloc), which takes 5–10 ms in 1 of 100 renames here and must not stall the
 * engine's thread; a rename to a name not taken yet (a record's first write) is made at once.
 */
async function writeFileAtomicFast(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const tmp = tmpSibling(path);
  try {
    writeTmpSync(tmp, data, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true });
    writeTmpSync(tmp, data, mode);
  }
  try {
    if (existsSync(path)) await rename(tmp, path);
    else renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function writeTmpSync(tmp: string, data: string | Uint8Array, mode: number): void {
  const fd = openSync(tmp, 'w', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
}

/**
 * Writes a file so that readers see either the old content or the new, never a torn one:
 * write to a temporary sibling, fsync, rename over, fsync the folder.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o600,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const durable = options.durable ?? true;
  if (!durable) return writeFileAtomicFast(path, data, mode);
  const dir = dirname(path);
  const tmp = tmpSibling(path);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(tmp, 'w', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dir, { recursive: true });
    handle = await open(tmp, 'w', mode);
  }
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

export async function writeJsonAtomic(
  path: string,
  value: unknown,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, 0o600, options);
}

/** Reads and validates a JSON record; undefined when the file does not exist. */
export async function readJsonRecord<S extends z.ZodType>(
  path: string,
  schema: S,
): Promise<z.infer<S> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Internal(`record ${path} is not valid JSON`, { cause: err });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Internal(`record ${path} is invalid: ${parsed.error.message}`);
  return parsed.data;
}
