import { type FSWatcher, linkSync, renameSync, rmSync, statSync, watch } from 'node:fs';
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

/** conmon's `--log-size-max` for a container (it starts a new file past that size). */
export function logSizeMax(c: LiveContainer): number | undefined {
  return rotationOf(hostConfigOf(c.record).LogConfig as LogConfig)?.maxSize;
}

/**
 * Rotates a container's log as Docker's json-file does (`max-size`, `max-file`). conmon
 * runs with `--log-size-max`: before a write would pass that size it writes a new file at
 * the log path and unlinks the old one. The engine keeps a hard link to the file conmon
 * writes (`.hold`), so the finished file survives; when a new file appears, the hold
 * becomes `.1` (older ones shift up, the oldest goes) and the new file is held in turn.
 * Limit: should the engine's event loop be busy for longer than conmon takes to fill a
 * whole file (a flood into a tiny max-size), that file is lost, as conmon unlinks it.
 * (Asking conmon to reopen at max-size through its control fifo was tried: conmon 2.1.6
 * then drops the output it holds in its write buffer.)
 */
export class LogRotator {
  private readonly watches = new Map<string, FSWatcher>();

  /** Before conmon starts: the log exists and is held (conmon appends to it). */
  async prepare(c: LiveContainer): Promise<void> {
    const rotation = rotationOf(hostConfigOf(c.record).LogConfig as LogConfig);
    if (!rotation) return;
    await (await open(c.paths.log, 'a')).close();
    sync(c.paths.log, rotation.maxFile);
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
          sync(c.paths.log, rotation.maxFile);
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

/**
 * When conmon started a new file, the held one becomes `.1`; then the current file is held.
 * Synchronous on purpose: a few metadata calls in one tick, so that a chatty container
 * cannot make conmon start two files before the first is held.
 */
function sync(path: string, maxFile: number): void {
  const hold = holdPath(path);
  const current = inode(path);
  if (current === undefined) return; // conmon is between its new file and the rename
  const held = inode(hold);
  if (held === current) return;
  const fresh = `${hold}.new`;
  rmSync(fresh, { force: true });
  linkSync(path, fresh);
  if (held !== undefined) {
    if (maxFile <= 1) rmSync(hold, { force: true });
    else {
      rmSync(rotatedPath(path, maxFile - 1), { force: true });
      for (let i = maxFile - 2; i >= 1; i--) {
        try {
          renameSync(rotatedPath(path, i), rotatedPath(path, i + 1));
        } catch {
          // Not there yet.
        }
      }
      renameSync(hold, rotatedPath(path, 1));
    }
  }
  renameSync(fresh, hold);
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
  if (live !== undefined) out.push({ path, ino: live });
  return out;
}
