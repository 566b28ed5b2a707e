import { join } from 'node:path';
import type { Filters } from '../../api/query.js';
import type { NetworksBackend } from '../../api/routes/networks.js';
import type { DaemonConfig } from '../../config/schema.js';
import { SLIRP_NETWORK } from '../../drivers/slirp4netns.js';
import type { EventBus } from '../events/bus.js';
import type { ContainerNetworking, NetContainer } from './container-hooks.js';
import { DnsAgentProcess } from './dns-agent-process.js';
import { Endpoints } from './endpoints.js';
import { HolderNet } from './holder-net.js';
import { type AddressPool, DOCKER_DEFAULT_POOLS } from './ipam.js';
import { type Cidr, parseCidr } from './ipv4.js';
import { NetworkCore } from './network-service.js';
import { NetworkStore } from './network-store.js';

export interface NetworksModuleOptions {
  dataRoot: string;
  runtimeDir: string;
  holderPid: number;
  bus: EventBus;
  daemon: DaemonConfig;
  slirp?: { mtu: number; cidr: string; dns: string };
  /** Container by id, name or prefix (throws NotFound). */
  lookup: (ref: string) => NetContainer;
}

/** The networks module: Docker networks in the container network, and the container hooks. */
export class NetworksModule {
  readonly core: NetworkCore;
  readonly endpoints: Endpoints;
  readonly backend: NetworksBackend;
  /** The endpoints as containers use them: starting one waits until init has run. */
  readonly gatedEndpoints: ContainerNetworking;
  private readonly agent: DnsAgentProcess;
  private markReady!: () => void;
  /** Settles when init has run (or failed: the failure is logged, calls then proceed). */
  private readonly ready = new Promise<void>((resolve) => {
    this.markReady = resolve;
  });

  constructor(o: NetworksModuleOptions) {
    const mtu = o.daemon.mtu ?? o.slirp?.mtu ?? 65520;
    const configured = (o.daemon['default-address-pools'] ?? []).map((p) => ({ base: p.base, size: p.size }));
    // IPv6 pools alone leave Docker's IPv4 defaults in place (and the reverse: see v6Pools).
    const pools: AddressPool[] = configured.some((p) => !p.base.includes(':'))
      ? configured
      : [...DOCKER_DEFAULT_POOLS, ...configured];
    const reserved = [parseCidr(o.slirp?.cidr ?? '10.0.2.0/24')].filter((c): c is Cidr => !!c);
    const upstreamDns = o.slirp?.dns ?? SLIRP_NETWORK.dns;
    const netRuntime = join(o.runtimeDir, 'rootlessd', 'net');
    this.agent = new DnsAgentProcess(o.holderPid, netRuntime);
    this.core = new NetworkCore({
      store: new NetworkStore(o.dataRoot),
      holder: new HolderNet(o.holderPid, o.daemon['firewall-backend']),
      dnsAgent: this.agent,
      bus: o.bus,
      mtu,
      pools,
      upstreamDns,
      reserved,
      defaultBridgeIpv6: {
        enable: Boolean(o.daemon.ipv6),
        ...(o.daemon['fixed-cidr-v6'] ? { fixedCidr: o.daemon['fixed-cidr-v6'] } : {}),
      },
    });
    this.endpoints = new Endpoints(this.core, {
      holderPid: o.holderPid,
      runtimeDir: netRuntime,
      mtu,
      defaultDns: upstreamDns,
      lookup: o.lookup,
    });
    const inUse = this.endpoints.inUse.bind(this.endpoints);
    // The engine answers its socket before the container network is set up (a restarted engine
    // must answer within 2 s): network calls wait for init instead.
    const ready = () => this.ready;
    this.backend = {
      create: async (req) => ready().then(() => this.core.create(req)),
      list: async (filters: Filters) => ready().then(() => this.core.list(filters)),
      inspect: async (ref) => ready().then(() => this.core.inspect(ref)),
      remove: async (ref) => ready().then(() => this.core.remove(ref, inUse)),
      prune: async (filters: Filters) => ready().then(() => this.core.prune(filters, inUse)),
      connect: async (ref, req) =>
        ready().then(() => this.endpoints.connect(ref, req.Container, req.EndpointConfig)),
      disconnect: async (ref, container, force) =>
        ready().then(() => this.endpoints.disconnect(ref, container, force)),
    };
    const e = this.endpoints;
    this.gatedEndpoints = {
      prepare: async (c) => ready().then(() => e.prepare(c)),
      attach: async (c, pid) => ready().then(() => e.attach(c, pid)),
      // Not gated: the containers module releases endpoints of containers that exited while the
      // engine was down as it loads, before init (which reconciles with it) can start.
      release: (id) => e.release(id),
      forget: (id) => e.forget(id),
      settings: (c) => e.settings(c),
      ports: (c) => e.ports(c),
    };
  }

  /**
   * Loads the records, programs bridges and nft, starts the DNS agent, then drops endpoints of
   * containers that stopped while the engine was down and restores published ports of running ones.
   */
  async init(containers: {
    ids: () => string[];
    get: (id: string) => NetContainer | undefined;
  }): Promise<void> {
    try {
      await this.core.init();
      await this.endpoints.loadWishes(containers.ids());
      await this.endpoints.reconcile(
        (id) => {
          const c = containers.get(id);
          return c?.running ? c.pid : undefined;
        },
        (id) => containers.get(id),
      );
    } finally {
      this.markReady();
    }
  }

  async close(): Promise<void> {
    await this.agent.stop();
  }
}
