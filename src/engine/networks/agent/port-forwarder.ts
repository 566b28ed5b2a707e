/**
 * The published-port relay of the netns agent. The engine binds each host port (in the host's
 * network namespace) and hands the listening socket over IPC; this process, inside the
 * container network, relays it to the container. No process, thread or JS per connection:
 * TCP listening sockets are handed to the native addon (native/ip-transparent/), whose one
 * relay thread accepts, dials and copies with splice(2) over epoll; UDP is relayed here.
 * Clients keep their address: the dial is made from a socket bound to the client's ip:port with
 * IP_TRANSPARENT, which the routing set up by HolderNet.init() makes work; IPv6 clients reach
 * the container's IPv6 address so, where it has one on that network. Loopback and link-local
 * clients cannot keep theirs (nor IPv6 ones of an IPv4-only container): those are dialled
 * from the gateway, as Docker's proxy does.
 * Without the addon (no compiler), Node accepts and copies, dialling from the gateway.
 */
import { createSocket, type Socket as DgramSocket, type RemoteInfo } from 'node:dgram';
import { connect, type Server, type Socket } from 'node:net';
import { loadAddon } from '../../../drivers/native-addon.js';
import { type AgentReply, type EngineToAgent, keepableSource, keepableSource6 } from '../port-messages.js';

interface Transparent {
  /**
   * Takes a duplicate of a listening socket and relays its connections on its own thread (IPv6
   * clients to dstIp6 when given).
   */
  serveTcp(listenFd: number, dstIp: string, dstPort: number, dstIp6?: string): number;
  /**
   * Closes the listening socket of serveTcp's id before it returns. Connections still in its
   * backlog are relayed first (their clients saw them open); all go on until they end.
   */
  stopTcp(id: number): void;
  bindUdp(srcIp: string, srcPort: number): number;
}

const UDP_IDLE_MS = 120_000;

interface Published {
  close(): void;
}

export class PortForwarder {
  private readonly published = new Map<string, Published>();
  private readonly addon: Transparent | undefined;

  constructor(
    private readonly reply: (m: AgentReply) => void,
    private readonly say: (msg: string) => void,
  ) {
    this.addon = loadAddon<Transparent>('ip-transparent', () =>
      say('native addon missing: published ports will not keep client addresses'),
    );
  }

  handle(m: EngineToAgent, handle: unknown): void {
    if (m.op === 'unpublish') {
      this.published.get(m.key)?.close();
      this.published.delete(m.key);
      this.reply({ op: 'unpublished', key: m.key });
      return;
    }
    this.published.get(m.key)?.close();
    if (!handle) {
      this.reply({ op: 'failed', key: m.key, error: 'no socket came with the message' });
      return;
    }
    const p =
      m.proto === 'tcp'
        ? this.tcp(handle as Server, m.target, m.targetPort, m.target6)
        : this.udp(handle as DgramSocket, m.target, m.targetPort, m.target6);
    this.published.set(m.key, p);
    this.reply({ op: 'published', key: m.key });
  }

  /** Closes every published port (their host sockets with them). */
  closeAll(): void {
    for (const p of this.published.values()) p.close();
    this.published.clear();
  }

  /** Without the addon: a plain dial from the gateway, and Node copying the bytes. */
  private relayInNode(client: Socket, target: string, port: number): void {
    const upstream = connect({ host: target, port, allowHalfOpen: true, noDelay: true });
    const both = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.once('connect', () => {
      splice(client, upstream);
      splice(upstream, client);
      client.resume();
    });
    upstream.on('error', both);
    client.on('error', both);
  }

  private tcp(server: Server, target: string, port: number, target6: string | undefined): Published {
    const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (this.addon && typeof fd === 'number' && fd >= 0) {
      try {
        const id = this.addon.serveTcp(fd, target, port, target6);
        // The addon has its own copy of the listening socket: ours only has to go.
        server.close();
        const addon = this.addon;
        return { close: () => addon.stopTcp(id) };
      } catch (err) {
        this.say(`native relay failed, relaying in node: ${(err as Error).message}`);
      }
    }
    // Read by net.Server for each accepted socket (not in the typings): half-closes pass
    // through, and nothing is read before the container side is connected.
    Object.assign(server, { allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
    server.on('connection', (client: Socket) => this.relayInNode(client, target, port));
    server.on('error', (err) => this.say(`published port: ${err.message}`));
    return { close: () => server.close() };
  }

  private udp(host: DgramSocket, target: string, port: number, target6: string | undefined): Published {
    const sessions = new Map<string, { sock: DgramSocket; to: string; last: number }>();
    /** A session socket, from the client's address where it can be kept (IPv6 to target6). */
    const open = (rinfo: RemoteInfo) => {
      const source6 = target6 ? keepableSource6(rinfo.address) : undefined;
      const source = source6 ?? keepableSource(rinfo.address);
      let fd: number | undefined;
      if (this.addon && source) {
        try {
          fd = this.addon.bindUdp(source, rinfo.port);
        } catch {}
      }
      const six = source6 !== undefined && fd !== undefined;
      const sock = createSocket(six ? 'udp6' : 'udp4');
      sock.bind(fd === undefined ? { port: 0 } : { fd });
      sock.on('error', () => undefined);
      sock.on('message', (msg) => {
        const s = sessions.get(`${rinfo.address}|${rinfo.port}`);
        if (s) s.last = Date.now();
        host.send(msg, rinfo.port, rinfo.address);
      });
      return { sock, to: six && target6 ? target6 : target, last: 0 };
    };
    host.on('message', (msg, rinfo) => {
      const key = `${rinfo.address}|${rinfo.port}`;
      let s = sessions.get(key);
      if (!s) {
        s = open(rinfo);
        sessions.set(key, s);
      }
      s.last = Date.now();
      s.sock.send(msg, port, s.to);
    });
    host.on('error', (err) => this.say(`published udp port: ${err.message}`));
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const [key, s] of sessions)
        if (now - s.last > UDP_IDLE_MS) {
          s.sock.close();
          sessions.delete(key);
        }
    }, 10_000);
    sweep.unref();
    return {
      close: () => {
        clearInterval(sweep);
        for (const s of sessions.values()) s.sock.close();
        sessions.clear();
        host.close();
      },
    };
  }
}

/** from → to with backpressure; from's end half-closes to (the other direction goes on). */
function splice(from: Socket, to: Socket): void {
  from.pipe(to);
  from.on('close', () => {
    if (!to.writableEnded) to.destroy();
  });
}
