import { closeSync, type FSWatcher, linkSync, openSync, renameSync, rmSync, statSync, watch } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { moduleLogger } from '../../log/index.js';
import type { LiveContainer } from './live-container.js';
import { type LogConfig, rotationOf } from './log-config.js';
import { hostConfigOf } from './record.js';

const log = moduleLogger('containers.logs');

/** `log.1` is the newest rotated file, `log.{n}` the oldest. */
export function rotatedPath(path: string, n: number): string {
  return `${path}.${n}`;
}

/** A second name for the file conmon writes now, so that its own rotation does not drop it. */
export function holdPath(path: string): string {
  return `${path}.hold`;
}

/** The file prepared for conmon's next rotation (also linked as `<log>.tmp`). */
export function nextPath(path: string): string {
  return `${path}.next`;
}

/** conmon's `--log-size-max` for a container (it starts a new file past that size). */
export function logSizeMax(c: LiveContainer): number | undefined {
  return rotationOf(hostConfigOf(c.record).LogConfig as LogConfig)?.maxSize;
}

/**
 * Rotates a container's log as Docker's json-file does (`max-size`, `max-file`). conmon
 * runs with `--log-size-max`: before a write would pass that size it opens `<log>.tmp`
 * (O_TRUNC), renames it over the log path and so unlinks the old file. The engine keeps a
 * hard link to the file conmon writes (`.hold`) and prepares the next one: an empty file
 * `.next` linked as `<log>.tmp`, which conmon then takes. When the prepared file becomes the
 * live one, the hold becomes `.1` (older ones shift up, the oldest goes) and the new file is
 * held in turn. A file is lost only if conmon rotates twice before the engine runs (a flood
 * into a tiny max-size while the event loop is busy): then the older files are dropped
 * whole, so that what is kept never has a hole (see syncRotation()).
 * (Asking conmon to reopen through its control fifo is not used: conmon 2.1.6 does not
 * reset its size count on such a reopen.)
 */
export class LogRotator {
  private readonly watches = new Map<string, FSWatcher>();

  /** Before conmon starts: the log exists and is held (conmon appends to it). */
  async prepare(c: LiveContainer): Promise<void> {
    const rotation = rotationOf(hostConfigOf(c.record).LogConfig as LogConfig);
    if (!rotation) return;
    await (await open(c.paths.log, 'a')).close();
    // A `.tmp` of conmon's left by a crash between its open and its rename is not ours.
    const tmp = `${c.paths.log}.tmp`;
    if (inode(tmp) !== undefined && inode(tmp) !== inode(nextPath(c.paths.log))) rmSync(tmp, { force: true });
    syncRotation(c.paths.log, rotation.maxFile);
  }

  /** While the container runs: follows conmon's new files. */
  begin(c: LiveContainer): void {
    this.end(c);
    const rotation = rotationOf(hostConfigOf(c.record).LogConfig as LogConfig);
    if (!rotation) return;
    const name = basename(c.paths.log);
    let busy = false;
    let again = false;
    const check = async (): Promise<void> => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        do {
          again = false;
          syncRotation(c.paths.log, rotation.maxFile);
        } while (again);
      } catch (err) {
        log.warn({ err, id: c.id }, 'log rotation failed');
      } finally {
        busy = false;
      }
    };
    let watcher: FSWatcher;
    try {
      watcher = watch(dirname(c.paths.log), (_event, file) => {
        if (file === name) void check();
      });
    } catch (err) {
      log.warn({ err, id: c.id }, 'log watch failed; rotated files are dropped');
      return;
    }
    watcher.on('error', () => undefined);
    this.watches.set(c.id, watcher);
    void check();
  }

  end(c: LiveContainer): void {
    this.watches.get(c.id)?.close();
    this.watches.delete(c.id);
  }

  close(): void {
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }
}

function inode(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

function tryRename(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // Not there.
  }
}

/** Drops the oldest rotated file and shifts the others up; the held one becomes `.1`. */
function shift(path: string, maxFile: number): void {
  const hold = holdPath(path);
  if (maxFile <= 1) {
    rmSync(hold, { force: true });
    return;
  }
  rmSync(rotatedPath(path, maxFile - 1), { force: true });
  for (let i = maxFile - 2; i >= 1; i--) tryRename(rotatedPath(path, i), rotatedPath(path, i + 1));
  tryRename(hold, rotatedPath(path, 1));
}

/** Every file older than the live one goes: what follows them may be missing. */
function dropOlder(path: string): void {
  for (let n = 1; n < 1000 && inode(rotatedPath(path, n)) !== undefined; n++)
    rmSync(rotatedPath(path, n), { force: true });
  rmSync(holdPath(path), { force: true });
}

/** A second name for the live file (`.hold`). */
function hold(path: string): void {
  const fresh = `${holdPath(path)}.new`;
  rmSync(fresh, { force: true });
  linkSync(path, fresh);
  renameSync(fresh, holdPath(path));
}

/**
 * An empty file named `.next` and linked as conmon's `.tmp`: at its next rotation conmon
 * opens that name (O_TRUNC on an empty file) and renames it over the live path, so the new
 * file already has a name of ours and the one before it is the held one. false when conmon
 * is between its open and its rename (its own `.tmp` is there).
 */
function prepare(path: string): boolean {
  const next = nextPath(path);
  const tmp = `${path}.tmp`;
  const at = inode(tmp);
  if (at !== undefined) return at === inode(next);
  rmSync(next, { force: true });
  closeSync(openSync(next, 'wx', 0o600));
  try {
    linkSync(next, tmp);
    return true;
  } catch {
    rmSync(next, { force: true });
    return false;
  }
}

/**
 * Follows conmon's rotations. Synchronous on purpose: a few metadata calls in one tick.
 * - The live file is the held one: nothing to do but have the next file prepared.
 * - The live file is the prepared one: it follows the held file directly, which becomes `.1`.
 * - Any other file: conmon rotated again before the engine ran (a flood into a small
 *   max-size while the engine was busy), so a file between the held one and the live one
 *   may be gone. As the kept files must follow each other with no gap, the older ones go
 *   (Docker drops whole old files too; it never leaves a hole in the middle).
 * Each round ends by checking that conmon did not rotate meanwhile; if it did, once more.
 */
export function syncRotation(path: string, maxFile: number): void {
  for (let round = 0; round < 20; round++) {
    const live = inode(path);
    if (live === undefined) return; // conmon is between its new file and the rename
    const held = inode(holdPath(path));
    const next = inode(nextPath(path));
    const prepared = next !== undefined && inode(`${path}.tmp`) === next;
    if (held !== live) {
      if (held !== undefined && next === live) {
        shift(path, maxFile);
        renameSync(nextPath(path), holdPath(path));
      } else {
        if (held !== undefined) {
          dropOlder(path);
          if (!prepared && next !== live) rmSync(nextPath(path), { force: true });
          log.info({ path }, 'log rotated faster than the engine followed: older files dropped');
        }
        hold(path);
      }
    }
    const ready = prepare(path);
    if (inode(path) === inode(holdPath(path)) && (ready || round >= 19)) return;
  }
}

/** The log's files, oldest first: `.N` … `.1`, a hold not yet rotated, the live file. */
export function logChain(path: string): Array<{ path: string; ino: number }> {
  const out: Array<{ path: string; ino: number }> = [];
  for (let n = 1; n < 1000; n++) {
    const ino = inode(rotatedPath(path, n));
    if (ino === undefined) break;
    out.unshift({ path: rotatedPath(path, n), ino });
  }
  const live = inode(path);
  const held = inode(holdPath(path));
  if (held !== undefined && held !== live) out.push({ path: holdPath(path), ino: held });
  // A prepared file conmon already wrote and left (the engine has not caught up yet).
  const next = inode(nextPath(path));
  if (next !== undefined && next !== live && next !== held && inode(`${path}.tmp`) !== next)
    out.push({ path: nextPath(path), ino: next });
  if (live !== undefined) out.push({ path, ino: live });
  return out;
}
