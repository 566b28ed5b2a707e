import type { Duplex, Readable, Writable } from 'node:stream';
import { Internal } from '../errdefs/index.js';
import { moduleLogger } from '../log/index.js';
import { CONMON_BINARY, type ConmonOptions, conmonArgs, parseMessages, type SyncMessage } from './conmon.js';
import { spawnPipes } from './exec.js';

export interface ConmonExecStarted {
  /** The exec process's pid. */
  pid: number;
  /** Resolves with the exit code conmon reports (undefined when it did not say). */
  exited: Promise<number | undefined>;
}

const log = moduleLogger('conmon');

/** Reads one JSON message after another from a pipe conmon writes. */
class MessageReader {
  private text = '';
  private seen = 0;
  private waiters: Array<(m: SyncMessage | undefined) => void> = [];
  private closed = false;

  constructor(pipe: Readable) {
    pipe.on('data', (chunk: Buffer) => {
      this.text += chunk.toString();
      this.flush();
    });
    pipe.on('error', () => undefined);
    pipe.on('close', () => {
      this.closed = true;
      this.flush();
    });
  }

  private flush(): void {
    const messages = parseMessages(this.text);
    while (this.waiters.length > 0 && (this.seen < messages.length || this.closed)) {
      const w = this.waiters.shift() as (m: SyncMessage | undefined) => void;
      w(messages[this.seen]);
      if (this.seen < messages.length) this.seen++;
    }
  }

  /** The next message, or undefined at end of file. */
  next(): Promise<SyncMessage | undefined> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.flush();
    });
  }
}

export interface ConmonExecHooks {
  /**
   * Resolves once conmon may run the runtime (the process spec file written): conmon is
   * spawned first and loads meanwhile, held on its start pipe. A rejection kills it there.
   */
  ready: Promise<void>;
  /** With `exec.attach`: connects to conmon's attach socket once it listens. */
  connect?: () => Promise<void>;
}

interface ConmonChild {
  pid: number | undefined;
  /** The engine's end of each pipe, by conmon's descriptor number. */
  stdio: Array<Duplex | undefined>;
}

/** conmon with its descriptors 2.. as pipes: stderr, sync, start, attach when attaching. */
function spawnConmon(args: string[], attach: boolean): ConmonChild {
  const env: Record<string, string> = { _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' };
  if (attach) env._OCI_ATTACHPIPE = '5';
  const child = spawnPipes(CONMON_BINARY, args, {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', ...(attach ? ['pipe' as const] : [])],
    env,
  });
  return { pid: child.pid, stdio: child.stdio as unknown as Array<Duplex | undefined> };
}

/**
 * Runs `runc exec` under conmon (`o.exec` must be set). conmon starts at once and waits on
 * its start pipe for a byte, written once `hooks.ready` resolves. With `exec.attach`, conmon
 * then says `{"data": 0}` on the attach pipe once its socket listens, `hooks.connect()` runs,
 * and a second byte lets the runtime start.
 */
export async function startConmonExec(o: ConmonOptions, hooks: ConmonExecHooks): Promise<ConmonExecStarted> {
  // Settles without rejecting: an error is handled below, after the spawn, whatever happens.
  const prepared = hooks.ready.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!o.exec) throw new Internal('conmon exec: no exec options');
  const attach = o.exec.attach;
  const t0 = performance.now();
  const at = (step: string) =>
    log.debug(
      { exec: o.uuid?.slice(0, 12), step, ms: Math.round((performance.now() - t0) * 10) / 10 },
      'exec step',
    );
  let child: ConmonChild;
  try {
    child = spawnConmon(conmonArgs(o), attach);
  } catch (err) {
    const failed = await prepared;
    throw failed ?? new Internal(`conmon exec: ${(err as Error).message}`, { cause: err });
  }
  const fds = child.stdio;
  const destroyAll = () => {
    for (const f of fds) f?.destroy();
  };
  let stderr = '';
  fds[2]?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const fail = (what: string) => new Internal(`conmon exec: ${what}${stderr ? `: ${stderr.trim()}` : ''}`);
  const sync = new MessageReader(fds[3] as Readable);
  const start = fds[4] as Writable & Readable;
  start.on('error', () => undefined);
  // conmon never writes there: flowing, its end of file closes our end.
  start.resume();
  const failed = await prepared;
  if (failed !== undefined) {
    // Still before its fork (held on the start pipe): nothing of it outlives the kill.
    if (child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {}
    }
    destroyAll();
    throw failed;
  }
  start.write(Buffer.from([0]));
  at('released');
  if (attach) {
    const attachPipe = new MessageReader(fds[5] as Readable);
    const ready = await attachPipe.next();
    if (!ready || (ready.data ?? -1) < 0) throw fail(ready?.message ?? 'attach socket not ready');
    at('attach-ready');
    try {
      await hooks.connect?.();
    } finally {
      start.write(Buffer.from([0]));
    }
    at('attached');
  }
  const first = await sync.next();
  at('pid');
  if (!first) throw fail('exited before the process started');
  if (first.data === undefined || first.data <= 0)
    throw fail(first.message ?? `runtime failed (${first.data})`);
  const exited = sync.next().then((m) => m?.data);
  return { pid: first.data, exited };
}
