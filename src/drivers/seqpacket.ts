import { closeSync, constants, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Internal } from '../errdefs/index.js';
import { unixSocket } from './npm-addons.js';

/** The longest path a unix socket address holds (sun_path is 108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

export interface SeqpacketConnection {
  /** Each packet as it arrived (message boundaries kept). */
  onPacket(listener: (packet: Buffer) => void): void;
  /** The peer closed or the connection failed. Called once. */
  onClose(listener: () => void): void;
  write(data: Buffer): void;
  /** Half-closes our side: the peer reads end of file. */
  end(): void;
  /** Closes the connection (deferred: never inside a data callback). */
  close(): void;
}

/**
 * Connects to a SOCK_SEQPACKET unix socket. Paths longer than a socket address allows go
 * through `/proc/self/fd/N/NAME` with the folder held open for the connect.
 */
export function connectSeqpacket(path: string): Promise<SeqpacketConnection> {
  let target = path;
  let dirFd: number | undefined;
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    dirFd = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
    target = `/proc/self/fd/${dirFd}/${basename(path)}`;
  }
  const socket = new (unixSocket().SeqpacketSocket)();
  let closed = false;
  const closeListeners: Array<() => void> = [];
  const fireClose = () => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l();
    setImmediate(() => {
      try {
        socket.destroy();
      } catch {
        // already gone
      }
    });
  };
  const conn: SeqpacketConnection = {
    onPacket: (listener) => socket.on('data', listener),
    onClose: (listener) => {
      if (closed) listener();
      else closeListeners.push(listener);
    },
    write: (data) => {
      if (!closed) socket.write(data);
    },
    end: () => {
      if (!closed) socket.end();
    },
    close: () => setImmediate(fireClose),
  };
  return new Promise((resolve, reject) => {
    let connected = false;
    const releaseDir = () => {
      if (dirFd !== undefined) {
        closeSync(dirFd);
        dirFd = undefined;
      }
    };
    socket.on('error', (err: Error) => {
      releaseDir();
      if (!connected) {
        connected = true;
        reject(new Internal(`cannot connect to ${path}: ${err.message}`, { cause: err }));
        setImmediate(() => socket.destroy());
        return;
      }
      setImmediate(fireClose);
    });
    socket.on('end', () => setImmediate(fireClose));
    socket.on('close', () => setImmediate(fireClose));
    try {
      socket.connect(target, () => {
        releaseDir();
        connected = true;
        resolve(conn);
      });
    } catch (err) {
      releaseDir();
      reject(new Internal(`cannot connect to ${path}: ${(err as Error).message}`, { cause: err }));
    }
  });
}
