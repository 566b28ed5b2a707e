/**
 * The netns agent: runs inside the container network (started through
 * `nsenter --net=/proc/HOLDER/ns/net`) and serves the embedded DNS of user-defined networks
 * on each bridge gateway (IPv4, and IPv6 on IPv6-enabled networks), port 53, UDP and TCP.
 * Reads its config file at start and on SIGHUP.
 * Also relays the published ports whose host sockets the engine sends over IPC
 * (port-forwarder.ts); when the engine's channel closes (the engine died), it closes them.
 * Usage: node dns-agent.js CONFIG_FILE
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import dnsPacket from 'dns-packet';
import { IdleTrimmer } from '../../../drivers/malloc-trim.js';
import { type DnsAgentConfig, type DnsServerConfig, lookupName, parseDnsAgentConfig } from '../dns-config.js';
import type { EngineToAgent } from '../port-messages.js';
import { PortForwarder } from './port-forwarder.js';

const SERVFAIL = 2;
const NXDOMAIN_FREE_TTL = 600;
const FORWARD_TIMEOUT_MS = 5000;

interface Listener {
  udp: Socket;
  tcp: Server;
  config: DnsServerConfig;
}

const configFile = process.argv[2];
if (!configFile) {
  process.stderr.write('usage: dns-agent CONFIG_FILE\n');
  process.exit(2);
}
let current: DnsAgentConfig = { upstream: '10.0.2.3', servers: [] };
const listeners = new Map<string, Listener>();

function say(msg: string): void {
  process.stderr.write(`${JSON.stringify({ time: Date.now(), module: 'dns-agent', msg })}\n`);
}

/**
 * Forwarded queries in flight, by their bytes: a resolver that asks every name server of its
 * resolv.conf at once (musl asks the IPv4 and the IPv6 gateway) sends the same packet twice;
 * upstream sees it once and both get the reply (same id, same question: the same answer).
 */
const inFlight = new Map<string, Promise<Buffer | undefined>>();

function forward(query: Buffer): Promise<Buffer | undefined> {
  const key = query.toString('latin1');
  const pending = inFlight.get(key);
  if (pending) return pending;
  const p = forwardOnce(query).finally(() => inFlight.delete(key));
  inFlight.set(key, p);
  return p;
}

function forwardOnce(query: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => done(undefined), FORWARD_TIMEOUT_MS);
    const done = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      s.close();
      resolve(reply);
    };
    s.on('message', (msg) => done(msg));
    s.on('error', () => done(undefined));
    s.send(query, 53, current.upstream);
  });
}

/** Answers a query from `source` on the server `config`: local names, else upstream. */
async function answer(config: DnsServerConfig, source: string, query: Buffer): Promise<Buffer | undefined> {
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
    const reply = await forward(query);
    if (reply) return reply;
  }
  return dnsPacket.encode({ ...base, flags: flags | SERVFAIL, answers: [] });
}

function serveTcp(listener: () => Listener): Server {
  return createServer((conn) => {
    let buffered = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const msg = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        void answer(listener().config, conn.remoteAddress?.replace(/^::ffff:/, '') ?? '', msg).then(
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

/** A server's listeners on `address` (its IPv4 or its IPv6 gateway). */
function open(config: DnsServerConfig, address: string): void {
  const entry = {} as Listener;
  entry.config = config;
  entry.udp = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  entry.udp.on('message', (msg, rinfo) => {
    void answer(entry.config, rinfo.address, msg).then((reply) => {
      if (reply) entry.udp.send(reply, rinfo.port, rinfo.address);
    });
  });
  entry.udp.on('error', (err) => say(`udp ${address}: ${err.message}`));
  entry.udp.bind(53, address);
  entry.tcp = serveTcp(() => entry);
  entry.tcp.on('error', (err) => say(`tcp ${address}: ${err.message}`));
  entry.tcp.listen(53, address);
  listeners.set(address, entry);
}

/** Every address a server listens on. */
function addressesOf(s: DnsServerConfig): string[] {
  return s.address6 ? [s.address, s.address6] : [s.address];
}

function reload(): void {
  try {
    current = parseDnsAgentConfig(JSON.parse(readFileSync(configFile as string, 'utf8')));
  } catch (err) {
    say(`config unreadable: ${(err as Error).message}`);
    return;
  }
  const wanted = new Map(current.servers.flatMap((s) => addressesOf(s).map((a) => [a, s] as const)));
  for (const [address, l] of listeners) {
    if (!wanted.has(address)) {
      l.udp.close();
      l.tcp.close();
      listeners.delete(address);
    }
  }
  for (const [address, s] of wanted) {
    const l = listeners.get(address);
    if (l) l.config = s;
    else open(s, address);
  }
}

process.on('SIGHUP', reload);
if (process.send) {
  const forwarder = new PortForwarder(
    (m) => process.send?.(m),
    (msg) => say(msg),
  );
  process.on('message', (m: EngineToAgent, handle: unknown) => forwarder.handle(m, handle));
  // The engine is gone: free its host ports at once, so that its next run can bind them again
  // (it also stops this agent before starting its own). DNS goes on serving meanwhile.
  process.on('disconnect', () => forwarder.closeAll());
}
process.on('SIGTERM', () => process.exit(0));
reload();
// Stay up with no server to serve (no user-defined network yet).
setInterval(() => undefined, 1 << 30);
process.stdout.write('ready\n');
// Memory back to the system once started (and after each reload): a full gc, then malloc_trim.
const trimmer = new IdleTrimmer();
trimmer.touch();
process.on('SIGHUP', () => trimmer.touch());
