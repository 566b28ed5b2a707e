import { type FSWatcher, watch } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ExecCreateConfig } from '../../api/backends.js';
import { readExitFile, readPidFile } from '../../drivers/conmon.js';
import { moduleLogger } from '../../log/index.js';
import { readJsonRecord } from '../../state/atomic-file.js';
import { OrderedWriter } from '../../state/ordered-writer.js';
import { lazySchema } from '../../types/lazy-schema.js';
import { processExists } from './proc-tree.js';

const log = moduleLogger('containers.exec');

/** One exec instance as kept in memory and on disk (`<runtimeBase>/x/<id>.json`). */
export interface ExecRecord {
  id: string;
  containerId: string;
  config: ExecCreateConfig;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  /** When it ended (ms since the epoch): ended records are dropped some minutes later. */
  endedAt?: number;
  /** conmon's folder for this exec: pid files, exit folder, attach socket, ctl fifo. */
  dir: string;
}

const ExecRecordSchema = lazySchema(() =>
  z.object({
    id: z.string().regex(/^[0-9a-f]{64}$/),
    containerId: z.string(),
    config: z.object({
      Cmd: z.array(z.string()),
      Env: z.array(z.string()),
      WorkingDir: z.string(),
      User: z.string(),
      Tty: z.boolean(),
      AttachStdin: z.boolean(),
      AttachStdout: z.boolean(),
      AttachStderr: z.boolean(),
      Privileged: z.boolean(),
      DetachKeys: z.string(),
      ConsoleSize: z.tuple([z.number(), z.number()]).optional(),
    }),
    running: z.boolean(),
    started: z.boolean(),
    exitCode: z.number().nullable(),
    pid: z.number(),
    endedAt: z.number().optional(),
    dir: z.string(),
  }),
);

/** The exit code conmon wrote for an exec (`<dir>/exit/<container id>`), if any. */
export async function readExecExit(e: ExecRecord): Promise<number | undefined> {
  return readExitFile(join(e.dir, 'exit', e.containerId));
}

/**
 * Exec records on disk, so that `GET /exec/{id}/json` answers across an engine restart (the
 * runtime folder lives as long as the containers do). conmon runs each exec and outlives the
 * engine; a restarted engine learns the end of an exec from conmon's exit file.
 */
export class ExecStore {
  private readonly watches = new Map<string, FSWatcher>();

  constructor(private readonly folder: string) {}

  private file(id: string): string {
    return join(this.folder, `${id}.json`);
  }

  /** One writer per exec: its writes land in order, so one need not be awaited. */
  private readonly writers = new Map<string, OrderedWriter>();

  /** Writes the record as it is now, after its earlier writes (in the runtime folder, no fsync). */
  async save(e: ExecRecord): Promise<void> {
    let w = this.writers.get(e.id);
    if (!w) {
      w = new OrderedWriter(this.file(e.id), { durable: false });
      this.writers.set(e.id, w);
    }
    await w
      .write(`${JSON.stringify(e, null, 2)}\n`)
      .catch((err: unknown) => log.warn({ err, exec: e.id }, 'exec record write failed'));
  }

  async remove(e: ExecRecord): Promise<void> {
    this.unwatch(e.id);
    const w = this.writers.get(e.id);
    this.writers.delete(e.id);
    // A write still under way would bring the record back.
    await w?.settled();
    await rm(this.file(e.id), { force: true });
    await rm(e.dir, { recursive: true, force: true });
  }

  /** Every record kept on disk (unreadable ones are dropped). */
  async load(): Promise<ExecRecord[]> {
    await mkdir(this.folder, { recursive: true });
    const out: ExecRecord[] = [];
    for (const name of await readdir(this.folder)) {
      if (!name.endsWith('.json')) continue;
      const path = join(this.folder, name);
      const record = await readJsonRecord(path, ExecRecordSchema).catch((err: unknown) => {
        log.warn({ err, path }, 'exec record unreadable; dropped');
        return undefined;
      });
      if (record) out.push(record as ExecRecord);
      else await rm(path, { force: true });
    }
    return out;
  }

  /**
   * An exec that was running when the engine went down: still running (its conmon lives), or
   * ended meanwhile (conmon's exit file), or lost. `onEnd` runs once with the exit code
   * (undefined when conmon is gone without one).
   */
  async adopt(e: ExecRecord, onEnd: (code: number | undefined) => void): Promise<void> {
    if (e.pid === 0) e.pid = readPidFile(join(e.dir, 'pid'));
    const conmon = readPidFile(join(e.dir, 'conmon.pid'));
    const exited = await readExecExit(e);
    if (exited !== undefined || conmon === 0 || !processExists(conmon)) {
      onEnd(exited);
      return;
    }
    let ended = false;
    const end = (code: number | undefined) => {
      if (ended) return;
      ended = true;
      this.unwatch(e.id);
      onEnd(code);
    };
    try {
      const w = watch(join(e.dir, 'exit'), () => {
        void readExecExit(e).then((code) => {
          if (code !== undefined) end(code);
        });
      });
      w.on('error', () => undefined);
      this.watches.set(e.id, w);
    } catch (err) {
      log.warn({ err, exec: e.id }, 'exec exit watch failed');
    }
    // The exit may have landed between the read and the watch.
    const again = await readExecExit(e);
    if (again !== undefined) end(again);
  }

  private unwatch(id: string): void {
    this.watches.get(id)?.close();
    this.watches.delete(id);
  }

  close(): void {
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }
}
