import { readdir, readFile, readlink } from 'node:fs/promises';
import { connect } from 'node:net';

/** Whether something accepts connections on the unix socket ('stale': file there, nobody listening). */
export function probeUnixSocket(path: string, timeoutMs = 1000): Promise<'listening' | 'stale' | 'absent'> {
  return new Promise((resolve) => {
    const sock = connect({ path });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve('listening'); // accepted but slow: someone holds it
    }, timeoutMs);
    sock.on('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve('listening');
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code === 'ENOENT' ? 'absent' : 'stale');
    });
  });
}

/** The socket inodes bound to `path`, from /proc/net/unix (`Num RefCount Protocol Flags Type St Inode Path`). */
export function socketInodes(procNetUnix: string, path: string): string[] {
  const inodes: string[] = [];
  for (const line of procNetUnix.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 8 && cols.slice(7).join(' ') === path && cols[6]) inodes.push(cols[6]);
  }
  return inodes;
}

/**
 * The pid of a process (of ours: others' fds are not readable) that holds the listening
 * socket at `path`, or undefined if none can be found.
 */
export async function findSocketOwner(path: string): Promise<number | undefined> {
  let table: string;
  try {
    table = await readFile('/proc/net/unix', 'utf8');
  } catch {
    return undefined;
  }
  const wanted = new Set(socketInodes(table, path).map((i) => `socket:[${i}]`));
  if (wanted.size === 0) return undefined;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let fds: string[];
    try {
      fds = await readdir(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (wanted.has(await readlink(`/proc/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  return undefined;
}
