import type { Readable, Writable } from 'node:stream';
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

/**
 * Runs `runc exec` under conmon (`o.exec` must be set). With `exec.attach`, conmon waits
 * on the start pipe: a byte, `{"data": 0}` on the attach pipe once its socket listens,
 * then `connect()` runs and a second byte lets the process start.
 */
export async function startConmonExec(
  o: ConmonOptions,
  connect?: () => Promise<void>,
): Promise<ConmonExecStarted> {
  if (!o.exec) throw new Internal('conmon exec: no exec options');
  const attach = o.exec.attach;
  const t0 = performance.now();
  const at = (step: string) =>
    log.debug(
      { exec: o.uuid?.slice(0, 12), step, ms: Math.round((performance.now() - t0) * 10) / 10 },
      'exec step',
    );
  const child = spawnPipes(CONMON_BINARY, conmonArgs(o), {
    stdio: attach
      ? ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe']
      : ['ignore', 'ignore', 'pipe', 'pipe'],
    env: attach ? { _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5' } : { _OCI_SYNCPIPE: '3' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const fail = (what: string) => new Internal(`conmon exec: ${what}${stderr ? `: ${stderr.trim()}` : ''}`);
  const fds = child.stdio as unknown as Array<Readable | Writable | undefined>;
  const sync = new MessageReader(fds[3] as Readable);
  if (attach) {
    const start = fds[4] as Writable;
    start.on('error', () => undefined);
    const attachPipe = new MessageReader(fds[5] as Readable);
    start.write(Buffer.from([0]));
    const ready = await attachPipe.next();
    if (!ready || (ready.data ?? -1) < 0) throw fail(ready?.message ?? 'attach socket not ready');
    at('attach-ready');
    try {
      await connect?.();
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
