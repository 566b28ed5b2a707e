import { run } from './exec.js';
import { unixSocket } from './npm-addons.js';

/**
 * Sends a state line ("READY=1\nMAINPID=…") to systemd's NOTIFY_SOCKET. A path socket is
 * written with a datagram socket; an abstract one ('@…') through `systemd-notify`, which
 * then needs NotifyAccess=all in the unit. Without NOTIFY_SOCKET it does nothing.
 */
export async function sdNotify(state: string, notifySocket = process.env.NOTIFY_SOCKET): Promise<boolean> {
  if (!notifySocket) return false;
  if (notifySocket.startsWith('@')) {
    const args = state
      .split('\n')
      .filter(Boolean)
      .map((line) => (line === 'READY=1' ? '--ready' : line));
    await run('systemd-notify', args, { timeoutMs: 5000, env: { NOTIFY_SOCKET: notifySocket } });
    return true;
  }
  const socket = new (unixSocket().DgramSocket)();
  try {
    const buf = Buffer.from(state);
    await new Promise<void>((resolve, reject) => {
      socket.sendTo(buf, 0, buf.length, notifySocket, (err) => (err ? reject(err) : resolve()));
    });
  } finally {
    socket.close();
  }
  return true;
}
