import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { moduleLogger } from '../../log/index.js';

const log = moduleLogger('containers');

/** The name a removed container's folder has while it is deleted: skipped and swept at start-up. */
const GONE_PREFIX = '.gone-';

export function isDiscarded(name: string): boolean {
  return name.startsWith(GONE_PREFIX);
}

/**
 * Takes a removed container's folder out of the way in one rename (its records and log are
 * gone for any later reader and for the next start-up), then deletes it behind: a recursive
 * rm is a dozen hand-overs to the thread pool (~2–4 ms before a `run --rm` could return) and
 * longer for a large log. A crash before the deletion ends leaves a `.gone-*` folder, which
 * the next start-up deletes (sweepDiscarded). Returns the deletion; it does not reject.
 */
export function discardFolder(dir: string): Promise<void> {
  const gone = join(dirname(dir), `${GONE_PREFIX}${basename(dir)}-${randomBytes(4).toString('hex')}`);
  let target = gone;
  try {
    renameSync(dir, gone);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve();
    target = dir;
  }
  return rm(target, { recursive: true, force: true }).catch((err: unknown) =>
    log.warn({ err, dir: target }, 'container folder not deleted'),
  );
}

/** Start-up: deletes the folders of removals that a crash interrupted. */
export async function sweepDiscarded(dataDir: string): Promise<void> {
  for (const name of await readdir(dataDir)) {
    if (isDiscarded(name)) await rm(join(dataDir, name), { recursive: true, force: true });
  }
}
