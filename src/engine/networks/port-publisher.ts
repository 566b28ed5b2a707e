import type { Socket as DgramSocket } from 'node:dgram';
import type { Server } from 'node:net';
import { moduleLogger } from '../../log/index.js';
import type { NetContainer } from './container-hooks.js';
import type { EndpointRecord } from './network-record.js';
import type { NetworkCore } from './network-service.js';
import type { PortRequest } from './port-bindings.js';
import { bindHostPort } from './port-relay.js';
import { bindHostUdpPort } from './udp-relay.js';
import type { PublishedPort } from './views.js';

const log = moduleLogger('networks.endpoints');

/** A running container's published ports: host sockets bound, then handed to the netns agent. */
interface HostPorts {
  pid: number;
  servers: Array<{ server: Server; containerPort: number; proto: string; hostIp: string; hostPort: number }>;
  udp: Array<{ socket: DgramSocket; containerPort: number }>;
  /** Published ports handed to the netns agent, by key. */
  relays: string[];
  published: PublishedPort[];
}

function short(id: string): string {
  return id.slice(0, 12);
}

function noPorts(pid: number): HostPorts {
  return { pid, servers: [], udp: [], relays: [], published: [] };
}

/**
 * Published ports (`-p`, `-P`): the host sockets are bound before the container is created
 * (a taken port fails the start), relayed by the netns agent once the container has an
 * address, and closed when it stops.
 */
export class PortPublisher {
  private readonly running = new Map<string, HostPorts>();

  constructor(private readonly core: NetworkCore) {}

  /** Binds the host side of each request (none: the container publishes nothing). */
  async bind(c: NetContainer, requests: PortRequest[]): Promise<void> {
    const run = noPorts(0);
    try {
      for (const r of requests) {
        if (r.proto === 'udp') {
          const socket = await bindFirstFreeUdp(r.hostIp, r.hostPortFrom, r.hostPortTo, c.name);
          const hostPort = socket.address().port;
          run.udp.push({ socket, containerPort: r.containerPort });
          run.published.push({
            containerPort: r.containerPort,
            proto: r.proto,
            hostIp: r.hostIp,
            hostPort,
          });
          const v6 = r.dualStack
            ? await ipv6Companion(() => bindHostUdpPort('::', hostPort, c.name))
            : undefined;
          if (v6) {
            run.udp.push({ socket: v6, containerPort: r.containerPort });
            run.published.push({ containerPort: r.containerPort, proto: r.proto, hostIp: '::', hostPort });
          }
          continue;
        }
        const server = await bindFirstFree(r.hostIp, r.hostPortFrom, r.hostPortTo, c.name);
        const addr = server.address();
        const hostPort = typeof addr === 'object' && addr ? addr.port : 0;
        run.servers.push({
          server,
          containerPort: r.containerPort,
          proto: r.proto,
          hostIp: r.hostIp,
          hostPort,
        });
        run.published.push({ containerPort: r.containerPort, proto: r.proto, hostIp: r.hostIp, hostPort });
        const v6 = r.dualStack ? await ipv6Companion(() => bindHostPort('::', hostPort, c.name)) : undefined;
        if (v6) {
          run.servers.push({
            server: v6,
            containerPort: r.containerPort,
            proto: r.proto,
            hostIp: '::',
            hostPort,
          });
          run.published.push({ containerPort: r.containerPort, proto: r.proto, hostIp: '::', hostPort });
        }
      }
    } catch (err) {
      for (const s of run.servers) s.server.close();
      for (const u of run.udp) u.socket.close();
      throw err;
    }
    this.running.set(c.id, run);
  }

  /** The container runs as `pid` (its ports, if not bound yet, are none). */
  started(containerId: string, pid: number): void {
    const run = this.running.get(containerId) ?? noPorts(pid);
    run.pid = pid;
    this.running.set(containerId, run);
  }

  /** Hands the bound host sockets to the netns agent, which relays them to the container. */
  async relay(c: NetContainer): Promise<void> {
    const run = this.running.get(c.id);
    if (!run) return;
    const target = [...this.core.byId.values()]
      .map((n) => n.endpoints[c.id])
      .find((e): e is EndpointRecord => !!e);
    if (!target) return;
    const agent = this.core.o.dnsAgent;
    for (const s of run.servers.splice(0)) {
      const key = `${short(c.id)}/tcp/${s.hostIp}/${s.hostPort}`;
      const m = {
        op: 'publish',
        key,
        proto: 'tcp',
        target: target.ipv4,
        targetPort: s.containerPort,
        ...(target.ipv6 ? { target6: target.ipv6 } : {}),
      } as const;
      await agent.publish(m, s.server).catch((err: unknown) => {
        s.server.close();
        throw err;
      });
      run.relays.push(key);
    }
    for (const u of run.udp.splice(0)) {
      const key = `${short(c.id)}/udp/${u.socket.address().address}/${u.socket.address().port}`;
      const m = {
        op: 'publish',
        key,
        proto: 'udp',
        target: target.ipv4,
        targetPort: u.containerPort,
        ...(target.ipv6 ? { target6: target.ipv6 } : {}),
      } as const;
      await agent.publish(m, u.socket).catch((err: unknown) => {
        u.socket.close();
        throw err;
      });
      run.relays.push(key);
    }
  }

  /** The container stopped: its relays end and its host sockets close. */
  async release(containerId: string): Promise<void> {
    const run = this.running.get(containerId);
    this.running.delete(containerId);
    for (const key of run?.relays ?? []) await this.core.o.dnsAgent.unpublish(key);
    for (const s of run?.servers ?? []) s.server.close();
    for (const u of run?.udp ?? []) u.socket.close();
  }

  /** What the container publishes, for inspect and list. */
  published(containerId: string): PublishedPort[] {
    return this.running.get(containerId)?.published ?? [];
  }
}

async function bindFirstFree(hostIp: string, from: number, to: number, name: string): Promise<Server> {
  if (from === to) return bindHostPort(hostIp, from, name);
  let lastErr: unknown;
  for (let p = from; p <= to; p++) {
    try {
      return await bindHostPort(hostIp, p, name);
    } catch (err) {
      lastErr = err;
    }
  }
  throw lastErr;
}

async function bindFirstFreeUdp(
  hostIp: string,
  from: number,
  to: number,
  name: string,
): Promise<DgramSocket> {
  if (from === to) return bindHostUdpPort(hostIp, from, name);
  let lastErr: unknown;
  for (let p = from; p <= to; p++) {
    try {
      return await bindHostUdpPort(hostIp, p, name);
    } catch (err) {
      lastErr = err;
    }
  }
  throw lastErr;
}

/**
 * The `::` listener beside 0.0.0.0 for a port published without an address, as Docker does.
 * A host without IPv6, or an IPv6 port held by another program, keeps the IPv4 one alone.
 */
async function ipv6Companion<T>(bind: () => Promise<T>): Promise<T | undefined> {
  try {
    return await bind();
  } catch (err) {
    log.info({ err: (err as Error).message }, 'published port not bound on :: (IPv4 only)');
    return undefined;
  }
}
