import { join } from 'node:path';
import type { ExecSink } from '../../api/backends.js';
import { connectSeqpacket, type SeqpacketConnection } from '../../drivers/seqpacket.js';
import { DetachKeyFilter, execDetachKeys } from './detach-keys.js';
import type { ExecRecord } from './exec-store.js';

/**
 * A client attached to a started exec: the process's stdout and stderr from conmon's attach
 * socket go to the sink; the client's stdin goes to the process (kept until the socket is
 * connected), less the detach sequence, which ends the stream and leaves the process running.
 */
export class ExecAttachment {
  private conn: SeqpacketConnection | undefined;
  private pending: Buffer[] = [];
  private stdinClosed = false;
  private detachedByClient = false;
  private readonly keys: DetachKeyFilter;
  private resolveDetached: () => void = () => undefined;
  /** Resolves when the client typed the detach sequence. */
  readonly detached: Promise<void>;

  constructor(
    private readonly e: ExecRecord,
    /** Whether the client's bytes go to the process's stdin. */
    readonly stdin: boolean,
    private readonly sink: ExecSink,
  ) {
    this.keys = new DetachKeyFilter(execDetachKeys(e.config.DetachKeys));
    this.detached = new Promise<void>((r) => {
      this.resolveDetached = r;
    });
  }

  /** Connects to conmon's attach socket (called by conmon's start once the socket is there). */
  async connect(): Promise<void> {
    const connection = await connectSeqpacket(join(this.e.dir, 'attach'));
    this.conn = connection;
    connection.onPacket((packet) => {
      const kind = packet[0];
      const data = Buffer.from(packet.subarray(1));
      if (kind === 2 && this.e.config.AttachStdout) this.sink.write('stdout', data);
      else if (kind === 3 && this.e.config.AttachStderr) this.sink.write('stderr', data);
    });
    if (this.stdin) {
      for (const b of this.pending) connection.write(b);
      this.pending = [];
      if (this.stdinClosed) connection.end();
    }
  }

  /** Resolves once the attach socket closed (all output read); at once when never connected. */
  outputClosed(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.conn) resolve();
      else this.conn.onClose(resolve);
    });
  }

  writeStdin(chunk: Buffer): void {
    if (!this.stdin || this.stdinClosed || this.detachedByClient) return;
    const { pass: data, detach } = this.keys.push(chunk);
    if (data.length > 0) {
      if (this.conn) this.conn.write(data);
      else this.pending.push(data);
    }
    if (detach) {
      this.detachedByClient = true;
      this.conn?.close();
      this.resolveDetached();
    }
  }

  closeStdin(): void {
    if (!this.stdin || this.stdinClosed || this.detachedByClient) return;
    this.stdinClosed = true;
    this.conn?.end();
  }

  /** The client went away: the process keeps running. */
  detach(): void {
    this.conn?.close();
  }
}
