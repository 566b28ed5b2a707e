import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { connectSeqpacket, type SeqpacketConnection } from '../../drivers/seqpacket.js';
import { Conflict } from '../../errdefs/index.js';
import { attachDetachKeys, DetachKeyFilter } from './detach-keys.js';
import type { LiveContainer } from './live-container.js';

export interface AttachSink {
  /** Output of the container; `stream` is stdout or stderr (with a tty, always stdout). */
  write(stream: 'stdout' | 'stderr', data: Buffer): void;
  /** The container's output ended (it exited, or conmon closed the socket). */
  end(): void;
}

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** The detach sequence in Docker's syntax (empty or absent: ctrl-p,ctrl-q). */
  detachKeys?: string;
}

export interface AttachSession {
  /** Resolves once connected to conmon (at once for a running container, else at start). */
  ready: Promise<void>;
  /** Bytes for the container's stdin (ignored unless attached with stdin). */
  writeStdin(data: Buffer): void;
  /** The client closed its stdin: the container's stdin closes (StdinOnce). */
  closeStdin(): void;
  /** Resolves when the output ended. */
  done: Promise<void>;
  /** Leaves the container running (client went away or detached). */
  detach(): void;
}

/** Connects to conmon's attach socket; packets start with a stream byte (2 stdout, 3 stderr). */
async function connect(
  c: LiveContainer,
  options: AttachOptions,
  sink: AttachSink,
): Promise<SeqpacketConnection> {
  const conn = await connectSeqpacket(c.paths.attach);
  conn.onPacket((packet) => {
    const kind = packet[0];
    const data = Buffer.from(packet.subarray(1));
    if (kind === 2 && options.stdout) sink.write('stdout', data);
    else if (kind === 3 && options.stderr) sink.write('stderr', data);
  });
  return conn;
}

/**
 * Attaches to a container: connects now when it runs, or just before `runc start` when it
 * is created (output is not replayed by conmon, so the connection must come first).
 */
export function attachContainer(c: LiveContainer, options: AttachOptions, sink: AttachSink): AttachSession {
  const keys = new DetachKeyFilter(attachDetachKeys(options.detachKeys));
  let conn: SeqpacketConnection | undefined;
  let pendingStdin: Buffer[] = [];
  let stdinClosed = false;
  let detached = false;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const finish = () => {
    sink.end();
    resolveDone();
  };
  const establish = async () => {
    if (detached) return;
    const connection = await connect(c, options, sink);
    conn = connection;
    connection.onClose(finish);
    if (options.stdin) {
      for (const b of pendingStdin) connection.write(b);
      pendingStdin = [];
      if (stdinClosed) connection.end();
    }
  };
  let ready: Promise<void>;
  if (c.running) ready = establish();
  else if (c.state.status === 'created' || c.state.status === 'exited') {
    ready = new Promise<void>((resolve, reject) => {
      const hook = {
        run: () => establish().then(resolve, reject),
        cancel: () => reject(new Conflict(`container ${c.id} failed to start`)),
      };
      c.beforeStart.add(hook);
      void done.then(() => c.beforeStart.delete(hook));
    });
  } else ready = Promise.reject(new Conflict(`container ${c.id} is ${c.state.status}`));
  ready.catch(() => finish());
  const detach = () => {
    detached = true;
    conn?.close();
    resolveDone();
  };
  return {
    ready,
    done,
    writeStdin: (chunk) => {
      if (!options.stdin || stdinClosed || detached) return;
      const { pass: data, detach: leave } = keys.push(chunk);
      if (data.length > 0) {
        if (conn) conn.write(data);
        else pendingStdin.push(data);
      }
      if (leave) detach();
    },
    closeStdin: () => {
      if (!options.stdin || stdinClosed || detached) return;
      stdinClosed = true;
      conn?.end();
    },
    detach,
  };
}

/** Resizes the container's pty through conmon's control fifo (`1 ROWS COLS`). */
export async function resizeTty(c: LiveContainer, height: number, width: number): Promise<void> {
  const handle = await open(c.paths.ctl, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    await handle.write(`1 ${height} ${width}\n`);
  } finally {
    await handle.close();
  }
}
