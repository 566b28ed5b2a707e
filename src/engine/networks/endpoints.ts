import { createHash, randomBytes } from 'node:crypto';
import type { Socket as DgramSocket } from 'node:dgram';
import { appendFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { Forbidden, InvalidParameter, isRootlessdError, NotFound } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type {
  ContainerNetworkSettingsView,
  EndpointSettingsRequest,
  PortSummaryView,
} from '../../types/network.js';
import type { ContainerNetworking, NetContainer, PreparedNetwork } from './container-hooks.js';
import type { DnsAgentConfig } from './dns-config.js';
import { allocateAddress, poolConfig } from './ipam.js';
import { allocateAddress6, poolConfig6 } from './ipam6.js';
import { formatIpv4, macFor, parseCidr, parseIpv4 } from './ipv4.js';
import { formatIpv6, parseCidr6 } from './ipv6.js';
import {
  type ContainerNets,
  type ContainerNetWish,
  type EndpointRecord,
  type NetworkRecord,
  poolsOf,
} from './network-record.js';
import type { NetworkCore } from './network-service.js';
import { portRequests } from './port-bindings.js';
import { bindHostPort } from './port-relay.js';
import { bindHostUdpPort } from './udp-relay.js';
import { containerSettingsView, type PublishedPort, portSummaries } from './views.js';

const log = moduleLogger('networks.endpoints');

interface Running {
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

function wishFrom(networkId: string, raw: unknown): ContainerNetWish {
  const s = (raw ?? {}) as EndpointSettingsRequest;
  return {
    networkId,
    aliases: [...(s.Aliases ?? [])],
    ...(s.IPAMConfig?.IPv4Address ? { ipv4: s.IPAMConfig.IPv4Address } : {}),
    ...(s.IPAMConfig?.IPv6Address ? { ipv6: s.IPAMConfig.IPv6Address } : {}),
    links: [...(s.Links ?? [])],
    ...(s.MacAddress ? { mac: s.MacAddress } : {}),
  };
}

/** Containers on networks: endpoints, veths, published ports; the lifecycle hooks. */
export class Endpoints implements ContainerNetworking {
  private readonly wishes = new Map<string, ContainerNets>();
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly core: NetworkCore,
    private readonly o: {
      holderPid: number;
      runtimeDir: string;
      mtu: number;
      defaultDns: string;
      lookup: (ref: string) => NetContainer;
    },
  ) {}

  /** At start-up: endpoints whose container is not running any more are dropped. */
  async reconcile(
    isRunning: (id: string) => number | undefined,
    all: (id: string) => NetContainer | undefined,
  ): Promise<void> {
    for (const n of this.core.byId.values()) {
      let changed = false;
      for (const cid of Object.keys(n.endpoints)) {
        if (!isRunning(cid)) {
          delete n.endpoints[cid];
          changed = true;
        }
      }
      if (changed) await this.core.o.store.save(n);
    }
    // Running containers whose engine died: relays are restored, veths are still there.
    const ids = new Set(
      Object.values([...this.core.byId.values()].map((n) => Object.keys(n.endpoints))).flat(),
    );
    for (const cid of ids) {
      const c = all(cid);
      const pid = isRunning(cid);
      if (c && pid) {
        await this.prepare(c, true).catch((err: unknown) => log.warn({ err, id: cid }, 'ports not restored'));
        await this.startRelays(c, pid).catch((err: unknown) =>
          log.warn({ err, id: cid }, 'ports not restored'),
        );
      }
    }
    await this.core.updateDns(this.addLinks());
  }

  private async wishesOf(c: NetContainer): Promise<ContainerNets> {
    const cached = this.wishes.get(c.id) ?? (await this.core.o.store.loadContainer(c.id));
    if (cached) {
      this.wishes.set(c.id, cached);
      return cached;
    }
    return this.initialWishes(c);
  }

  private initialWishes(c: NetContainer): ContainerNets {
    const mode = c.networkMode === 'default' || !c.networkMode ? 'bridge' : c.networkMode;
    const nets: ContainerNetWish[] = [];
    if (mode.startsWith('container:')) return { networks: [] };
    const primary = this.core.get(mode);
    const primaryRaw =
      c.endpointsConfig[c.networkMode] ?? c.endpointsConfig[primary.name] ?? c.endpointsConfig[primary.id];
    nets.push(wishFrom(primary.id, primaryRaw));
    for (const [ref, raw] of Object.entries(c.endpointsConfig)) {
      const n = this.core.get(ref === 'default' ? 'bridge' : ref);
      if (n.id === primary.id) continue;
      if (n.driver !== 'bridge' || primary.driver !== 'bridge')
        throw new InvalidParameter(`container cannot be connected to network endpoints: ${mode}, ${ref}`);
      nets.push(wishFrom(n.id, raw));
    }
    return { networks: nets };
  }

  private wishesSync(c: NetContainer): ContainerNets {
    try {
      return this.wishes.get(c.id) ?? this.initialWishes(c);
    } catch {
      return { networks: [] };
    }
  }

  async prepare(c: NetContainer, restoring = false): Promise<PreparedNetwork> {
    // Joining another container's namespace: nothing of its own to set up.
    if (c.networkMode.startsWith('container:')) return {};
    const nets = await this.wishesOf(c);
    this.wishes.set(c.id, nets);
    await this.core.o.store.saveContainer(c.id, nets);
    const first = nets.networks[0] ? this.core.byId.get(nets.networks[0].networkId) : undefined;
    if (!first) throw new NotFound(`network ${c.networkMode} not found`);
    const bridged = nets.networks
      .map((w) => this.core.byId.get(w.networkId))
      .filter((n) => n?.driver === 'bridge');
    const requests = portRequests(c.portBindings as never, c.publishAll, c.exposedPorts);
    if (requests.length && bridged.length === 0 && !restoring) {
      log.info({ id: c.id }, 'published ports ignored: the container is not on a bridge network');
    }
    const run: Running = { pid: 0, servers: [], udp: [], relays: [], published: [] };
    if (bridged.length > 0) {
      try {
        for (const r of requests) {
          if (r.proto === 'udp') {
            const socket = await this.bindFirstFreeUdp(r.hostIp, r.hostPortFrom, r.hostPortTo, c.name);
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
          const server = await this.bindFirstFree(r.hostIp, r.hostPortFrom, r.hostPortTo, c.name);
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
          const v6 = r.dualStack
            ? await ipv6Companion(() => bindHostPort('::', hostPort, c.name))
            : undefined;
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
    }
    this.running.set(c.id, run);
    const userNet = bridged.find((n) => n && n.name !== 'bridge');
    return userNet ? { nameserver: userNet.ipam[0]?.gateway } : {};
  }

  private async bindFirstFree(hostIp: string, from: number, to: number, name: string): Promise<Server> {
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

  private async bindFirstFreeUdp(
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

  async attach(c: NetContainer, pid: number): Promise<void> {
    const nets = await this.wishesOf(c);
    const run = this.running.get(c.id) ?? { pid, servers: [], udp: [], relays: [], published: [] };
    run.pid = pid;
    this.running.set(c.id, run);
    let index = 0;
    const own: string[] = [];
    for (const w of nets.networks) {
      const n = this.core.byId.get(w.networkId);
      if (!n || n.driver !== 'bridge') continue;
      const e = await this.plug(c, n, w, pid, index === 0, index);
      if (index === 0) own.push(e.ipv4, ...(e.ipv6 ? [e.ipv6] : []));
      index++;
    }
    // The container's own addresses under its host name, as Docker writes them.
    if (c.hostsFile && c.hostname && own.length)
      await appendFile(c.hostsFile, own.map((ip) => `${ip}\t${c.hostname}\n`).join('')).catch(
        (err: unknown) => log.debug({ err, id: c.id }, 'hosts entry not added'),
      );
    await this.startRelays(c, pid);
    await this.core.updateDns(this.addLinks());
  }

  /** Hands the bound host sockets to the netns agent, which relays them to the container. */
  private async startRelays(c: NetContainer, _pid: number): Promise<void> {
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
      } as const;
      await agent.publish(m, u.socket).catch((err: unknown) => {
        u.socket.close();
        throw err;
      });
      run.relays.push(key);
    }
  }

  /**
   * One endpoint: address, veth pair, routes; recorded on the network. Only the address
   * choice and the record's save hold the networks' lock: the veth set-up (two `ip` runs)
   * proceeds side by side for containers started in parallel. The endpoint is recorded
   * before the veth exists, so a parallel plug never takes the same address.
   */
  private async plug(
    c: NetContainer,
    n: NetworkRecord,
    w: ContainerNetWish,
    pid: number,
    primary: boolean,
    index: number,
  ): Promise<EndpointRecord> {
    const p = n.ipam[0];
    if (!p) throw new InvalidParameter(`network ${n.name} has no IPv4 pool`);
    const subnet = parseCidr(p.subnet);
    if (!subnet) throw new InvalidParameter(`network ${n.name} has a bad subnet ${p.subnet}`);
    if ((w.ipv4 && !n.userSubnet) || (w.ipv6 && n.enableIpv6 && !n.userSubnet6))
      throw new InvalidParameter(
        'user specified IP address is supported only when connecting to networks with user configured subnets',
      );
    const v6 = poolsOf(n).v6;
    const e = await this.core.locked(async () => {
      const pool = poolConfig(subnet, p.ipRange, p.gateway);
      const taken = new Set(
        Object.entries(n.endpoints)
          .filter(([id]) => id !== c.id)
          .map(([, e]) => parseIpv4(e.ipv4) ?? 0),
      );
      const ip = allocateAddress(pool, taken, w.ipv4);
      const ip6 = this.allocate6(c, n, w);
      const endpoint: EndpointRecord = {
        endpointId: randomBytes(32).toString('hex'),
        name: c.name,
        ipv4: formatIpv4(ip),
        ...(ip6 ? { ipv6: ip6 } : {}),
        mac: w.mac ?? macFor(ip),
        ifname: `eth${index}`,
        hostVeth: `veth${createHash('sha256').update(`${c.id}/${n.id}`).digest('hex').slice(0, 7)}`,
        aliases: w.aliases,
        dnsNames: n.name === 'bridge' ? [] : [...new Set([c.name, short(c.id), ...w.aliases])],
      };
      n.endpoints[c.id] = endpoint;
      return endpoint;
    });
    const veth = {
      hostVeth: e.hostVeth,
      bridge: n.bridge as string,
      pid,
      ifname: e.ifname,
      mac: e.mac,
      addressCidr: `${e.ipv4}/${subnet.prefix}`,
      ...(primary && !n.internal ? { gateway: p.gateway } : {}),
      ...(e.ipv6 && v6 ? { addressCidr6: `${e.ipv6}/${v6.subnet.split('/')[1]}` } : {}),
      ...(e.ipv6 && v6 && primary && !n.internal ? { gateway6: v6.gateway } : {}),
      mtu: this.o.mtu,
    };
    try {
      // A veth of this container's earlier run may linger (its namespace is torn down
      // asynchronously): remove it only when the name is taken, saving a spawn per start.
      await this.core.o.holder.attach(veth).catch(async (err: unknown) => {
        if (!/File exists/i.test(err instanceof Error ? err.message : String(err))) throw err;
        await this.core.o.holder.detach(e.hostVeth);
        await this.core.o.holder.attach(veth);
      });
    } catch (err) {
      await this.core.locked(async () => {
        if (n.endpoints[c.id] === e) delete n.endpoints[c.id];
      });
      throw err;
    }
    await this.core.locked(() => this.core.o.store.save(n));
    this.core.o.bus.publish({
      type: 'network',
      action: 'connect',
      actor: { id: n.id, attributes: { container: c.id, name: n.name, type: n.driver } },
    });
    return e;
  }

  /** The IPv6 address of a new endpoint on an IPv6-enabled network (`--ip6` or the lowest free). */
  private allocate6(c: NetContainer, n: NetworkRecord, w: ContainerNetWish): string | undefined {
    const v6 = poolsOf(n).v6;
    if (!v6) {
      // Docker ignores --ip6 on a network without IPv6... but says so: refuse, rather than drop it.
      if (w.ipv6)
        throw new InvalidParameter(
          `invalid endpoint settings: ${w.ipv6}: IPv6 address specified but network ${n.name} does not have IPv6 enabled`,
        );
      return undefined;
    }
    const subnet = parseCidr6(v6.subnet);
    if (!subnet) throw new InvalidParameter(`network ${n.name} has a bad subnet ${v6.subnet}`);
    const taken = new Set(
      Object.entries(n.endpoints)
        .filter(([id, e]) => id !== c.id && e.ipv6)
        .map(([, e]) => e.ipv6 as string),
    );
    return formatIpv6(allocateAddress6(poolConfig6(subnet, v6.ipRange, v6.gateway), taken, w.ipv6));
  }

  /**
   * Per-source DNS names: a container on several user-defined networks resolves the names of
   * all of them through the one server in its resolv.conf; `--link name:alias` on the networks
   * both containers share.
   */
  private addLinks(): (config: DnsAgentConfig) => void {
    return (config) => {
      const serverOf = (n: NetworkRecord) => config.servers.find((s) => s.address === n.ipam[0]?.gateway);
      const bridges = this.core.bridges();
      for (const n of bridges) {
        const server = serverOf(n);
        if (!server) continue;
        for (const [cid, e] of Object.entries(n.endpoints)) {
          for (const m of bridges) {
            const other = m.id === n.id || !m.endpoints[cid] ? undefined : serverOf(m);
            if (!other) continue;
            const mine = server.perSource[e.ipv4] ?? {};
            for (const [name, ips] of Object.entries(other.records))
              if (!server.records[name]) mine[name] ??= ips;
            server.perSource[e.ipv4] = mine;
          }
        }
      }
      for (const n of this.core.bridges()) {
        const server = config.servers.find((s) => s.address === n.ipam[0]?.gateway);
        if (!server) continue;
        for (const [cid, e] of Object.entries(n.endpoints)) {
          const w = this.wishes.get(cid)?.networks.find((x) => x.networkId === n.id);
          const links = [...(w?.links ?? [])];
          for (const link of links) {
            const [target = '', alias = target] = link.split(':').map((s) => s.replace(/^.*\//, ''));
            const t = Object.values(n.endpoints).find((x) => x.name === target);
            if (!t) continue;
            const mine = server.perSource[e.ipv4] ?? {};
            mine[alias.toLowerCase()] = t.ipv6 ? [t.ipv4, t.ipv6] : [t.ipv4];
            server.perSource[e.ipv4] = mine;
          }
        }
      }
    };
  }

  async release(containerId: string): Promise<void> {
    const run = this.running.get(containerId);
    this.running.delete(containerId);
    for (const key of run?.relays ?? []) await this.core.o.dnsAgent.unpublish(key);
    for (const s of run?.servers ?? []) s.server.close();
    for (const u of run?.udp ?? []) u.socket.close();
    // The records first, under the lock; the veths after it (an `ip` run each), so that
    // containers ending together do not queue behind each other's spawns.
    const veths: string[] = [];
    await this.core
      .locked(async () => {
        for (const n of this.core.byId.values()) {
          const e = n.endpoints[containerId];
          if (!e) continue;
          delete n.endpoints[containerId];
          veths.push(e.hostVeth);
          await this.core.o.store.save(n).catch(() => undefined);
          this.core.o.bus.publish({
            type: 'network',
            action: 'disconnect',
            actor: { id: n.id, attributes: { container: containerId, name: n.name, type: n.driver } },
          });
        }
      })
      .catch((err: unknown) => log.warn({ err, id: containerId }, 'release failed'));
    await Promise.all(veths.map((v) => this.core.o.holder.detach(v)));
    await this.core.updateDns(this.addLinks());
  }

  async forget(containerId: string): Promise<void> {
    await this.release(containerId);
    this.wishes.delete(containerId);
    await this.core.o.store.removeContainer(containerId).catch(() => undefined);
  }

  /** POST /networks/{id}/connect */
  async connect(
    ref: string,
    containerRef: string,
    config: EndpointSettingsRequest | null | undefined,
  ): Promise<void> {
    const n = this.core.get(ref);
    const c = this.o.lookup(containerRef);
    if (n.driver !== 'bridge')
      throw new Forbidden(`container cannot be disconnected from host network or connected to host network`);
    const nets = await this.wishesOf(c);
    const modes = nets.networks.map((w) => this.core.byId.get(w.networkId)?.driver);
    if (modes.some((d) => d !== 'bridge'))
      throw new Forbidden(
        'container sharing network namespace with another container or host cannot be connected to any other network',
      );
    if (nets.networks.some((w) => w.networkId === n.id))
      throw new Forbidden(`endpoint with name ${c.name} already exists in network ${n.name}`);
    const wish = wishFrom(n.id, config);
    if (c.running) {
      const index = nets.networks.length;
      await this.plug(c, n, wish, c.pid, false, index);
    }
    nets.networks.push(wish);
    this.wishes.set(c.id, nets);
    await this.core.o.store.saveContainer(c.id, nets);
    if (!c.running)
      this.core.o.bus.publish({
        type: 'network',
        action: 'connect',
        actor: { id: n.id, attributes: { container: c.id, name: n.name, type: n.driver } },
      });
    await this.core.updateDns(this.addLinks());
  }

  /** POST /networks/{id}/disconnect */
  async disconnect(ref: string, containerRef: string, force: boolean): Promise<void> {
    const n = this.core.get(ref);
    let c: NetContainer | undefined;
    try {
      c = this.o.lookup(containerRef);
    } catch (err) {
      if (!(force && isRootlessdError(err) && err.kind === 'NotFound')) throw err;
    }
    const cid =
      c?.id ??
      Object.keys(n.endpoints).find((id) => id === containerRef || n.endpoints[id]?.name === containerRef);
    if (!cid) throw new NotFound(`No such container: ${containerRef}`);
    const nets = c ? await this.wishesOf(c) : (this.wishes.get(cid) ?? { networks: [] });
    const had = nets.networks.some((w) => w.networkId === n.id) || Boolean(n.endpoints[cid]);
    if (!had) throw new Forbidden(`container ${cid} is not connected to network ${n.name}`);
    if (n.driver !== 'bridge')
      throw new Forbidden('container cannot be disconnected from host network or connected to host network');
    await this.core.locked(async () => {
      const e = n.endpoints[cid];
      if (e) {
        await this.core.o.holder.detach(e.hostVeth);
        delete n.endpoints[cid];
        await this.core.o.store.save(n);
      }
    });
    nets.networks = nets.networks.filter((w) => w.networkId !== n.id);
    this.wishes.set(cid, nets);
    await this.core.o.store.saveContainer(cid, nets);
    this.core.o.bus.publish({
      type: 'network',
      action: 'disconnect',
      actor: { id: n.id, attributes: { container: cid, name: n.name, type: n.driver } },
    });
    await this.core.updateDns(this.addLinks());
  }

  /** Whether any container (running or not) wants this network. */
  inUse(n: NetworkRecord): boolean {
    for (const w of this.wishes.values()) if (w.networks.some((x) => x.networkId === n.id)) return true;
    return false;
  }

  /** Loads every container's wishes from disk (for inUse after a restart). */
  async loadWishes(ids: string[]): Promise<void> {
    for (const id of ids) {
      const w = await this.core.o.store.loadContainer(id).catch(() => undefined);
      if (w) this.wishes.set(id, w);
    }
  }

  settings(c: NetContainer): ContainerNetworkSettingsView {
    const nets = this.wishesSync(c);
    const entries = nets.networks.flatMap((w) => {
      const network = this.core.byId.get(w.networkId);
      return network ? [{ network, wish: w, endpoint: c.running ? network.endpoints[c.id] : undefined }] : [];
    });
    const run = this.running.get(c.id);
    return containerSettingsView(
      entries,
      c.running ? (run?.published ?? []) : [],
      Object.keys(c.exposedPorts ?? {}),
      c.running,
    );
  }

  ports(c: NetContainer): PortSummaryView[] {
    if (!c.running) return [];
    return portSummaries(this.running.get(c.id)?.published ?? [], Object.keys(c.exposedPorts ?? {}));
  }

  /** The default name server for containers not on a user-defined network. */
  get defaultDns(): string {
    return this.o.defaultDns;
  }
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
