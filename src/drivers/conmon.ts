import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Internal } from '../errdefs/index.js';
import { spawnPipes } from './exec.js';

const CONMON = '/usr/bin/conmon';

export interface ConmonOptions {
  /** Container id (`-c`) and conmon's own id (`-u`). */
  id: string;
  uuid?: string;
  name: string;
  /** The OCI runtime binary (`-r`). */
  runtime: string;
  /** runc's `--root`. */
  runtimeRoot: string;
  bundle: string;
  /** Where runc writes the container pid (`-p`). */
  pidFile: string;
  /** Where conmon writes its own pid (`-P`). */
  conmonPidFile: string;
  /** k8s-file log path. */
  logPath: string;
  /** `--log-size-max`: past this many bytes conmon writes a new file at `logPath`. */
  logSizeMax?: number;
  /** The exit file `EXITDIR/ID` holds the exit code. */
  exitDir: string;
  socketDir: string;
  stdin: boolean;
  tty: boolean;
  /** Keep the container's stdin open when an attached client closes its own. */
  leaveStdinOpen?: boolean;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** An exec session (`-e`): `-u` is the exec's id, `bundle`/`exitDir` are the exec's own. */
  exec?: ConmonExecOptions;
}

export interface ConmonExecOptions {
  /** The OCI process JSON (`--exec-process-spec`). */
  processSpec: string;
  /** `--exec-attach`: conmon waits on the start pipe for an attach client before `runc exec`. */
  attach: boolean;
}

/** The one place conmon's argument list is built. */
export function conmonArgs(o: ConmonOptions): string[] {
  return [
    '--api-version',
    '1',
    '-c',
    o.id,
    '-u',
    o.uuid ?? o.id,
    '-n',
    o.name,
    '-r',
    o.runtime,
    '-b',
    o.bundle,
    '-p',
    o.pidFile,
    '-P',
    o.conmonPidFile,
    '-l',
    o.exec ? 'none' : `k8s-file:${o.logPath}`,
    '--exit-dir',
    o.exitDir,
    '--socket-dir-path',
    o.socketDir,
    '--runtime-arg',
    `--root=${o.runtimeRoot}`,
    '--log-level',
    o.logLevel ?? 'error',
    ...(o.logSizeMax && !o.exec ? ['--log-size-max', String(o.logSizeMax)] : []),
    ...(o.stdin ? ['-i'] : []),
    ...(o.tty ? ['-t'] : []),
    ...(o.leaveStdinOpen ? ['--leave-stdin-open'] : []),
    ...(o.exec ? ['-e', '--exec-process-spec', o.exec.processSpec] : []),
    ...(o.exec?.attach ? ['--exec-attach'] : []),
  ];
}

export interface ConmonCreated {
  /** The container's pid (runc created it; `runc start` runs it). */
  pid: number;
  /** Resolves when conmon exits (the sync pipe reaches end of file). */
  exited: Promise<void>;
}

export interface SyncMessage {
  data?: number;
  message?: string;
}

/** Splits the sync pipe's JSON messages (conmon writes one object per message). */
export function parseMessages(text: string): SyncMessage[] {
  const out: SyncMessage[] = [];
  for (const m of text.matchAll(/\{[^{}]*\}/g)) {
    try {
      out.push(JSON.parse(m[0]) as SyncMessage);
    } catch {
      // not a whole message yet
    }
  }
  return out;
}

/**
 * Starts conmon, which runs `runc create` and daemonizes; resolves with the container pid
 * once the sync pipe delivers it. The returned `exited` resolves at the sync pipe's EOF.
 */
export async function startConmon(o: ConmonOptions, signal?: AbortSignal): Promise<ConmonCreated> {
  const child = spawnPipes(CONMON, conmonArgs(o), {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { _OCI_SYNCPIPE: '3' },
    signal,
  });
  const pipe = child.stdio[3] as Readable | undefined;
  if (!pipe) throw new Internal('conmon: no sync pipe');
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let text = '';
  let resolveExit: () => void = () => undefined;
  const exited = new Promise<void>((r) => {
    resolveExit = r;
  });
  const pid = await new Promise<number>((resolve, reject) => {
    let done = false;
    pipe.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (done) return;
      const first = parseMessages(text)[0];
      if (!first) return;
      done = true;
      if (first.data !== undefined && first.data > 0) resolve(first.data);
      else
        reject(
          new Internal(
            `conmon: ${first.message ?? `runtime failed (${first.data})`}${stderr ? `: ${stderr.trim()}` : ''}`,
          ),
        );
    });
    pipe.on('error', () => undefined);
    pipe.on('close', () => {
      resolveExit();
      if (!done) {
        done = true;
        reject(
          new Internal(`conmon exited before the container was created${stderr ? `: ${stderr.trim()}` : ''}`),
        );
      }
    });
  });
  return { pid, exited };
}

export const CONMON_BINARY = CONMON;

/**
 * The exit code in one of conmon's exit files (`--exit-dir`), or undefined when there is none.
 * Read in one synchronous call: a few bytes, on the way from a container's exit to its waiters.
 */
export async function readExitFile(path: string): Promise<number | undefined> {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {}
  const n = Number.parseInt(text.trim(), 10);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The pid in a pid file conmon (`-P`) or the runtime (`-p`) wrote; 0 when the file is missing or
 * holds none. Read in one synchronous call: a few bytes, on a container's or exec's start.
 */
export function readPidFile(path: string): number {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {}
  const n = Number.parseInt(text.trim(), 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}
