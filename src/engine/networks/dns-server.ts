/**
 * The embedded DNS of user-defined networks: one server per network, on its bridge gateway (and
 * its IPv6 gateway on IPv6-enabled networks), port 53, UDP and TCP, answering the network's container names and forwarding the rest upstream (over UDP).
 * It runs in the engine, its sockets bound inside the container network through the netns-socket
 * addon, or, without the addon, in the netns agent process (agent/dns-agent.ts), which binds
 * them as any process does. Both give it their way to bind (DnsSockets).
 * No zod and no logger here: the agent imports this file and must stay small.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import dnsPacket from 'dns-packet';
import { type DnsAgentConfig, type DnsServerConfig, lookupName } from './dns-config.js';

const SERVFAIL = 2;
const NXDOMAIN_FREE_TTL = 600;
const FORWARD_TIMEOUT_MS = 5000;
export const DNS_PORT = 53;

/** How the server gets its sockets, all inside the container network. */
export interface DnsSockets {
  /** A UDP socket bound to address:port (may throw, or emit 'error' later). */
  udp(address: string, port: number): Socket;
  /** Starts `server` listening on address:port (may throw, or emit 'error' later). */
  listenTcp(server: Server, address: string, port: number): void;
}

interface Listener {
  udp: Socket;
  tcp: Server;
  config: DnsServerConfig;
}

/** Every address a server listens on. */
function addressesOf(s: DnsServerConfig): string[] {
  return s.address6 ? [s.address, s.address6] : [s.address];
}

export class DnsServer {
  private current: DnsAgentConfig = { upstream: '10.0.2.3', servers: [] };
  /** By listening address (a server's IPv4 or IPv6 gateway). */
  private readonly listeners = new Map<string, Listener>();
  /**
   * Forwarded queries in flight, by their bytes: a resolver that asks every name server of its
   * resolv.conf at once (musl asks the IPv4 and the IPv6 gateway) sends the same packet twice;
   * upstream sees it once and both get the reply (same id, same question: the same answer).
   */
  private readonly inFlight = new Map<string, Promise<Buffer | undefined>>();

  constructor(
    private readonly sockets: DnsSockets,
    private readonly say: (msg: string) => void,
  ) {}

  /** Serves `config` from now on: opens the new servers, closes the dropped ones. */
  apply(config: DnsAgentConfig): void {
    this.current = config;
    const wanted = new Map(config.servers.flatMap((s) => addressesOf(s).map((a) => [a, s] as const)));
    for (const [address, l] of this.listeners) {
      if (!wanted.has(address)) {
        l.udp.close();
        l.tcp.close();
        this.listeners.delete(address);
      }
    }
    for (const [address, s] of wanted) {
      const l = this.listeners.get(address);
      if (l) l.config = s;
      else this.open(s, address);
    }
  }

  /** Closes every server. */
  close(): void {
    this.apply({ upstream: this.current.upstream, servers: [] });
  }

  /** The addresses served now (tests). */
  get addresses(): string[] {
    return [...this.listeners.keys()];
  }

  /** A server's listeners on `address` (its IPv4 or its IPv6 gateway). */
  private open(config: DnsServerConfig, address: string): void {
    let udp: Socket;
    try {
      udp = this.sockets.udp(address, DNS_PORT);
    } catch (err) {
      this.say(`udp ${address}: ${(err as Error).message}`);
      return;
    }
    const entry: Listener = { udp, tcp: this.serveTcp(() => entry), config };
    udp.on('message', (msg, rinfo) => {
      void this.answer(entry.config, rinfo.address, msg).then((reply) => {
        if (reply) udp.send(reply, rinfo.port, rinfo.address);
      });
    });
    udp.on('error', (err) => this.say(`udp ${address}: ${err.message}`));
    entry.tcp.on('error', (err) => this.say(`tcp ${address}: ${err.message}`));
    try {
      this.sockets.listenTcp(entry.tcp, address, DNS_PORT);
    } catch (err) {
      this.say(`tcp ${address}: ${(err as Error).message}`);
    }
    this.listeners.set(address, entry);
  }

  private forward(query: Buffer): Promise<Buffer | undefined> {
    const key = query.toString('latin1');
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const p = this.forwardOnce(query).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  private forwardOnce(query: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      let s: Socket;
      try {
        s = this.sockets.udp('0.0.0.0', 0);
      } catch {
        resolve(undefined);
        return;
      }
      const timer = setTimeout(() => done(undefined), FORWARD_TIMEOUT_MS);
      const done = (reply: Buffer | undefined) => {
        clearTimeout(timer);
        s.close();
        resolve(reply);
      };
      s.on('message', (msg) => done(msg));
      s.on('error', () => done(undefined));
      s.send(query, DNS_PORT, this.current.upstream);
    });
  }

  /** Answers a query from `source` on the server `config`: local names, else upstream. */
  private async answer(config: DnsServerConfig, source: string, query: Buffer): Promise<Buffer | undefined> {
    let packet: dnsPacket.DecodedPacket;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return undefined;
    }
    const q = packet.questions?.[0];
    const base = { type: 'response' as const, id: packet.id, questions: packet.questions };
    const flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE;
    if (q) {
      const found = lookupName(config, source, q.name);
      if (found) {
        // A for the IPv4 addresses, AAAA for the IPv6 ones (IPv6-enabled networks); a known name
        // without an address of the asked family answers empty (NOERROR), as Docker does.
        const any = (q.type as string) === 'ANY';
        const answers = [
          ...(q.type === 'A' || any
            ? found
                .filter((ip) => !ip.includes(':'))
                .map((ip) => ({ type: 'A' as const, name: q.name, ttl: NXDOMAIN_FREE_TTL, data: ip }))
            : []),
          ...(q.type === 'AAAA' || any
            ? found
                .filter((ip) => ip.includes(':'))
                .map((ip) => ({ type: 'AAAA' as const, name: q.name, ttl: NXDOMAIN_FREE_TTL, data: ip }))
            : []),
        ];
        return dnsPacket.encode({ ...base, flags: flags | dnsPacket.AUTHORITATIVE_ANSWER, answers });
      }
    }
    if (config.forward) {
      const reply = await this.forward(query);
      if (reply) return reply;
    }
    return dnsPacket.encode({ ...base, flags: flags | SERVFAIL, answers: [] });
  }

  private serveTcp(listener: () => Listener): Server {
    return createServer((conn) => {
      let buffered = Buffer.alloc(0);
      conn.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2) {
          const len = buffered.readUInt16BE(0);
          if (buffered.length < 2 + len) break;
          const msg = buffered.subarray(2, 2 + len);
          buffered = buffered.subarray(2 + len);
          void this.answer(listener().config, conn.remoteAddress?.replace(/^::ffff:/, '') ?? '', msg).then(
            (reply) => {
              if (!reply || conn.destroyed) return;
              const head = Buffer.alloc(2);
              head.writeUInt16BE(reply.length);
              conn.write(Buffer.concat([head, reply]));
            },
          );
        }
      });
      conn.on('error', () => undefined);
    });
  }
}

/** Sockets for a process that runs inside the container network (the netns agent). */
export const localDnsSockets: DnsSockets = {
  udp(address, port) {
    const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    s.bind(port, address);
    return s;
  },
  listenTcp(server, address, port) {
    server.listen(port, address);
  },
};
