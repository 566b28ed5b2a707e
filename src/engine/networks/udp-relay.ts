import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import type { ResultPromise } from 'execa';
import { spawnInNamespaces } from '../../drivers/nsenter.js';
import { Conflict } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';

const log = moduleLogger('networks.udp');

/** Sessions idle this long are dropped on both sides. */
const IDLE_MS = 120_000;

/**
 * The inner half, run by node inside the container network: frames on stdin
 * (u32 length, u16 session, payload) become datagrams from one UDP socket per session to the
 * container; replies go back on stdout in the same framing. Pipes keep datagram boundaries.
 */
const INNER = `
const dgram = require('node:dgram');
const [target, port, idle] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const sessions = new Map();
let buf = Buffer.alloc(0);
function session(id) {
  let s = sessions.get(id);
  if (!s) {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg) => {
      const h = Buffer.alloc(6); h.writeUInt32BE(msg.length + 2, 0); h.writeUInt16BE(id, 4);
      process.stdout.write(Buffer.concat([h, msg])); s.last = Date.now();
    });
    sock.on('error', () => {});
    sock.connect(port, target);
    s = { sock, last: Date.now(), queue: [] , ready: false };
    sock.on('connect', () => { s.ready = true; for (const m of s.queue) sock.send(m); s.queue = []; });
    sessions.set(id, s);
  }
  return s;
}
process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
    const len = buf.readUInt32BE(0);
    const id = buf.readUInt16BE(4);
    const payload = Buffer.from(buf.subarray(6, 4 + len));
    buf = buf.subarray(4 + len);
    const s = session(id); s.last = Date.now();
    if (s.ready) s.sock.send(payload); else s.queue.push(payload);
  }
});
process.stdin.on('end', () => process.exit(0));
setInterval(() => {
  const now = Date.now();
  for (const [id, s] of sessions) if (now - s.last > idle) { s.sock.close(); sessions.delete(id); }
}, 10000).unref();
`;

/** A UDP port published on the host: a socket here, node relaying into the container network. */
export interface UdpRelay {
  hostIp: string;
  hostPort: number;
  close(): Promise<void>;
}

/** Binds the host UDP address and port now, so a taken port is refused before the container starts. */
export async function bindHostUdpPort(
  hostIp: string,
  port: number,
  endpointName: string,
): Promise<DgramSocket> {
  const sock = createSocket({ type: hostIp.includes(':') ? 'udp6' : 'udp4', ipv6Only: hostIp.includes(':') });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: hostIp, port, exclusive: true }, () => {
      sock.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    sock.close();
    const shown = hostIp.includes(':') ? `[${hostIp}]` : hostIp;
    if (err.code === 'EADDRINUSE')
      throw new Conflict(
        `driver failed programming external connectivity on endpoint ${endpointName}: Bind for ${shown}:${port} failed: port is already allocated`,
      );
    throw err;
  });
  // Datagrams that arrive before the relay runs are dropped, as UDP allows.
  sock.on('message', () => undefined);
  return sock;
}

/** Starts the inner half and relays datagrams both ways, one session per client address. */
export function startUdpRelay(options: {
  socket: DgramSocket;
  holderPid: number;
  target: string;
  targetPort: number;
}): UdpRelay {
  const { socket } = options;
  const inner: ResultPromise = spawnInNamespaces(
    { target: options.holderPid, net: true },
    process.execPath,
    ['-e', INNER, options.target, String(options.targetPort), String(IDLE_MS)],
    { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: false },
  );
  void inner.then((r) => {
    if (r.exitCode && r.signal !== 'SIGTERM') log.warn({ exitCode: r.exitCode }, 'udp relay exited');
  });
  const byClient = new Map<string, { id: number; last: number }>();
  const byId = new Map<number, { address: string; port: number }>();
  let next = 0;
  socket.removeAllListeners('message');
  socket.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}|${rinfo.port}`;
    let s = byClient.get(key);
    if (!s) {
      next = (next + 1) & 0xffff;
      const old = byId.get(next);
      if (old) byClient.delete(`${old.address}|${old.port}`);
      s = { id: next, last: 0 };
      byClient.set(key, s);
      byId.set(next, { address: rinfo.address, port: rinfo.port });
    }
    s.last = Date.now();
    const header = Buffer.alloc(6);
    header.writeUInt32BE(msg.length + 2, 0);
    header.writeUInt16BE(s.id, 4);
    inner.stdin?.write(Buffer.concat([header, msg]));
  });
  let buf = Buffer.alloc(0);
  inner.stdout?.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      const len = buf.readUInt32BE(0);
      const to = byId.get(buf.readUInt16BE(4));
      const payload = Buffer.from(buf.subarray(6, 4 + len));
      buf = buf.subarray(4 + len);
      if (to) socket.send(payload, to.port, to.address);
    }
  });
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, s] of byClient)
      if (now - s.last > IDLE_MS) {
        byClient.delete(key);
        byId.delete(s.id);
      }
  }, 10_000);
  sweep.unref();
  const address = socket.address();
  return {
    hostIp: address.address,
    hostPort: address.port,
    close: async () => {
      clearInterval(sweep);
      socket.removeAllListeners('message');
      await new Promise<void>((r) => socket.close(() => r()));
      inner.kill('SIGTERM');
    },
  };
}
