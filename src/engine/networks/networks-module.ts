import { join } from 'node:path';
import type { Filters } from '../../api/query.js';
import type { NetworksBackend } from '../../api/routes/networks.js';
import type { DaemonConfig } from '../../config/schema.js';
import type { EventBus } from '../events/bus.js';
import type { NetContainer } from './container-hooks.js';
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
  private readonly agent: DnsAgentProcess;

  constructor(o: NetworksModuleOptions) {
    const mtu = o.daemon.mtu ?? o.slirp?.mtu ?? 65520;
    const pools: AddressPool[] = o.daemon['default-address-pools']?.length
      ? o.daemon['default-address-pools'].map((p) => ({ base: p.base, size: p.size }))
      : DOCKER_DEFAULT_POOLS;
    const reserved = [parseCidr(o.slirp?.cidr ?? '10.0.2.0/24')].filter((c): c is Cidr => !!c);
    const upstreamDns = o.slirp?.dns ?? '10.0.2.3';
    const netRuntime = join(o.runtimeDir, 'rootlessd', 'net');
    this.agent = new DnsAgentProcess(o.holderPid, netRuntime);
    this.core = new NetworkCore({
      store: new NetworkStore(o.dataRoot),
      holder: new HolderNet(o.holderPid),
      dnsAgent: this.agent,
      bus: o.bus,
      mtu,
      pools,
      upstreamDns,
      reserved,
    });
    this.endpoints = new Endpoints(this.core, {
      holderPid: o.holderPid,
      runtimeDir: netRuntime,
      mtu,
      defaultDns: upstreamDns,
      lookup: o.lookup,
    });
    const inUse = this.endpoints.inUse.bind(this.endpoints);
    this.backend = {
      create: (req) => this.core.create(req),
      list: (filters: Filters) => this.core.list(filters),
      inspect: (ref) => this.core.inspect(ref),
      remove: (ref) => this.core.remove(ref, inUse),
      prune: (filters: Filters) => this.core.prune(filters, inUse),
      connect: (ref, req) => this.endpoints.connect(ref, req.Container, req.EndpointConfig),
      disconnect: (ref, container, force) => this.endpoints.disconnect(ref, container, force),
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
    await this.core.init();
    await this.endpoints.loadWishes(containers.ids());
    await this.endpoints.reconcile(
      (id) => {
        const c = containers.get(id);
        return c?.running ? c.pid : undefined;
      },
      (id) => containers.get(id),
    );
  }

  async close(): Promise<void> {
    await this.agent.stop();
  }
}
