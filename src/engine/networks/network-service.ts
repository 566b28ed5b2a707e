import { randomBytes } from 'node:crypto';
import { Conflict, Forbidden, InvalidParameter, NotFound } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { NetworkCreateRequest, NetworkCreateResponse, NetworkView } from '../../types/network.js';
import type { EventBus } from '../events/bus.js';
import type { DnsAgentProcess } from './dns-agent-process.js';
import type { DnsAgentConfig } from './dns-config.js';
import type { HolderNet } from './holder-net.js';
import { type AddressPool, allocateSubnet, checkRequestedSubnet, poolConfig } from './ipam.js';
import { type Cidr, formatCidr, formatIpv4, parseCidr } from './ipv4.js';
import { matchesNetworkFilters, type NetworkFilters } from './network-filters.js';
import { isPredefined, type NetworkRecord } from './network-record.js';
import type { NetworkStore } from './network-store.js';
import { networkView } from './views.js';

const log = moduleLogger('networks');

export interface NetworkServiceOptions {
  store: NetworkStore;
  holder: HolderNet;
  dnsAgent: DnsAgentProcess;
  bus: EventBus;
  mtu: number;
  pools: AddressPool[];
  upstreamDns: string;
  /** Subnets already used by the container network itself (slirp's 10.0.2.0/24). */
  reserved: Cidr[];
}

const BRIDGE_OPTIONS = {
  'com.docker.network.bridge.default_bridge': 'true',
  'com.docker.network.bridge.enable_icc': 'true',
  'com.docker.network.bridge.enable_ip_masquerade': 'true',
  'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
  'com.docker.network.bridge.name': 'docker0',
};

function newId(): string {
  return randomBytes(32).toString('hex');
}

/** Docker's network objects: records, bridges in the container network, nft, DNS. */
export class NetworkCore {
  readonly byId = new Map<string, NetworkRecord>();
  private lock: Promise<unknown> = Promise.resolve();

  constructor(readonly o: NetworkServiceOptions) {}

  /** Runs `fn` after every earlier mutation. */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  async init(): Promise<void> {
    for (const n of await this.o.store.init()) this.byId.set(n.id, n);
    // Endpoints of containers that no longer run are dropped by the container side on load.
    const byName = (name: string) => [...this.byId.values()].find((n) => n.name === name);
    if (!byName('bridge')) {
      const subnet = allocateSubnet(this.o.pools, [...this.o.reserved, ...this.subnetsInUse()]);
      await this.saveNew({
        ...this.blank('bridge', 'bridge'),
        ipam: [{ subnet: formatCidr(subnet), gateway: formatIpv4(subnet.base + 1) }],
        options: { ...BRIDGE_OPTIONS, 'com.docker.network.driver.mtu': String(this.o.mtu) },
        bridge: 'docker0',
      });
    }
    if (!byName('host')) await this.saveNew(this.blank('host', 'host'));
    if (!byName('none')) await this.saveNew(this.blank('none', 'null'));
    await this.o.holder.init();
    await this.syncKernel();
    await this.o.dnsAgent.start(this.dnsConfig());
  }

  private blank(name: string, driver: string): NetworkRecord {
    return {
      id: newId(),
      name,
      created: new Date().toISOString(),
      driver,
      internal: false,
      attachable: false,
      userSubnet: false,
      ipam: [],
      ipamOptions: {},
      options: {},
      labels: {},
      endpoints: {},
    };
  }

  private async saveNew(n: NetworkRecord): Promise<void> {
    await this.o.store.save(n);
    this.byId.set(n.id, n);
  }

  subnetsInUse(): Cidr[] {
    return [...this.byId.values()].flatMap((n) =>
      n.ipam.map((p) => parseCidr(p.subnet)).filter((c): c is Cidr => !!c),
    );
  }

  bridges(): NetworkRecord[] {
    return [...this.byId.values()].filter((n) => n.driver === 'bridge' && n.bridge);
  }

  /** Bridges exist, nft matches the records. */
  async syncKernel(): Promise<void> {
    const bridges = this.bridges();
    await this.o.holder.ensureBridges(
      bridges.map((n) => ({
        name: n.bridge as string,
        gatewayCidr: `${n.ipam[0]?.gateway}/${n.ipam[0]?.subnet.split('/')[1]}`,
        mtu: this.o.mtu,
      })),
    );
    await this.o.holder.applyRules(
      bridges.map((n) => ({
        bridge: n.bridge as string,
        subnet: n.ipam[0]?.subnet ?? '',
        internal: n.internal,
      })),
    );
  }

  /** What the embedded DNS serves: one server per user-defined bridge network. */
  dnsConfig(): DnsAgentConfig {
    const servers = this.bridges()
      .filter((n) => n.name !== 'bridge')
      .map((n) => {
        const records: Record<string, string[]> = {};
        const add = (name: string, ip: string) => {
          const key = name.toLowerCase();
          records[key] = [...new Set([...(records[key] ?? []), ip])];
        };
        for (const e of Object.values(n.endpoints)) for (const name of e.dnsNames) add(name, e.ipv4);
        return { address: n.ipam[0]?.gateway ?? '', forward: !n.internal, records, perSource: {} };
      });
    return { upstream: this.o.upstreamDns, servers };
  }

  async updateDns(extra?: (c: DnsAgentConfig) => void): Promise<void> {
    const config = this.dnsConfig();
    extra?.(config);
    await this.o.dnsAgent.update(config).catch((err: unknown) => log.warn({ err }, 'dns update failed'));
  }

  /** By full id, name, or unique id prefix. */
  get(ref: string): NetworkRecord {
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const all = [...this.byId.values()];
    const named = all.find((n) => n.name === ref);
    if (named) return named;
    const prefixed = all.filter((n) => n.id.startsWith(ref));
    if (prefixed.length === 1 && ref.length > 0) return prefixed[0] as NetworkRecord;
    if (prefixed.length > 1)
      throw new NotFound(`network ${ref} is ambiguous (${prefixed.length} matches found based on ID prefix)`);
    throw new NotFound(`network ${ref} not found`);
  }

  async create(req: NetworkCreateRequest): Promise<NetworkCreateResponse> {
    return this.locked(async () => {
      const name = req.Name;
      if (!name) throw new InvalidParameter('network name is required');
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name))
        throw new InvalidParameter(`invalid network name "${name}"`);
      if ([...this.byId.values()].some((n) => n.name === name))
        throw new Conflict(`network with name ${name} already exists`);
      const driver = req.Driver || 'bridge';
      if (driver === 'host' || driver === 'null')
        throw new Forbidden(`only one instance of "${driver}" network is allowed`);
      if (driver !== 'bridge') throw new NotFound(`plugin "${driver}" not found`);
      if (req.EnableIPv6)
        throw new InvalidParameter('IPv6 networks are not supported by rootlessd yet: leave out --ipv6');
      if (req.Ingress)
        throw new Forbidden('ingress networks need swarm mode, which rootlessd does not provide');
      const configs = (req.IPAM?.Config ?? []).filter((c) => !c.Subnet?.includes(':'));
      if ((req.IPAM?.Config ?? []).some((c) => c.Subnet?.includes(':')))
        throw new InvalidParameter('IPv6 subnets are not supported by rootlessd yet');
      if (configs.length > 1) throw new InvalidParameter('rootlessd supports one IPv4 subnet per network');
      const used = [...this.o.reserved, ...this.subnetsInUse()];
      const asked = configs[0];
      if (asked && !asked.Subnet && (asked.IPRange || asked.Gateway))
        throw new InvalidParameter('ip-range and gateway need a subnet (--subnet)');
      const subnet = asked?.Subnet
        ? checkRequestedSubnet(asked.Subnet, used)
        : allocateSubnet(this.o.pools, used);
      const pool = poolConfig(subnet, asked?.IPRange, asked?.Gateway);
      const id = newId();
      const n: NetworkRecord = {
        ...this.blank(name, 'bridge'),
        id,
        internal: Boolean(req.Internal),
        attachable: Boolean(req.Attachable),
        userSubnet: Boolean(asked?.Subnet),
        ipam: [
          {
            subnet: formatCidr(subnet),
            ...(asked?.IPRange ? { ipRange: formatCidr(pool.range) } : {}),
            gateway: formatIpv4(pool.gateway),
          },
        ],
        ipamOptions: req.IPAM?.Options ?? {},
        options: req.Options ?? {},
        labels: req.Labels ?? {},
        bridge: req.Options?.['com.docker.network.bridge.name'] || `br-${id.slice(0, 12)}`,
      };
      await this.saveNew(n);
      try {
        await this.syncKernel();
      } catch (err) {
        this.byId.delete(id);
        await this.o.store.remove(id);
        await this.o.holder.removeBridge(n.bridge as string);
        throw err;
      }
      await this.updateDns();
      this.o.bus.publish({
        type: 'network',
        action: 'create',
        actor: { id, attributes: { name, type: 'bridge' } },
      });
      return { Id: id, Warning: '' };
    });
  }

  list(filters: NetworkFilters): NetworkView[] {
    return [...this.byId.values()]
      .filter((n) => matchesNetworkFilters(n, filters))
      .sort((a, b) => (a.created < b.created ? -1 : 1))
      .map((n) => networkView(n, false));
  }

  inspect(ref: string): NetworkView {
    return networkView(this.get(ref), true);
  }

  async remove(ref: string, inUse: (n: NetworkRecord) => boolean): Promise<void> {
    const n = this.get(ref);
    await this.locked(async () => {
      if (isPredefined(n)) throw new Forbidden(`${n.name} is a pre-defined network and cannot be removed`);
      if (Object.keys(n.endpoints).length > 0 || inUse(n))
        throw new Forbidden(
          `error while removing network: network ${n.name} has active endpoints (name:${JSON.stringify(n.name)} id:${JSON.stringify(n.id.slice(0, 12))})`,
        );
      this.byId.delete(n.id);
      await this.o.store.remove(n.id);
      await this.updateDns();
      await this.syncKernel().catch((err: unknown) => log.warn({ err }, 'nft update failed'));
      if (n.bridge) await this.o.holder.removeBridge(n.bridge);
      this.o.bus.publish({
        type: 'network',
        action: 'destroy',
        actor: { id: n.id, attributes: { name: n.name, type: n.driver } },
      });
    });
  }

  async prune(
    filters: NetworkFilters,
    inUse: (n: NetworkRecord) => boolean,
  ): Promise<{ NetworksDeleted: string[] }> {
    const deleted: string[] = [];
    for (const n of [...this.byId.values()]) {
      if (isPredefined(n) || Object.keys(n.endpoints).length > 0 || inUse(n)) continue;
      if (!matchesNetworkFilters(n, filters, true)) continue;
      await this.remove(n.id, inUse).then(
        () => deleted.push(n.name),
        (err: unknown) => log.debug({ err, network: n.name }, 'not pruned'),
      );
    }
    this.o.bus.publish({
      type: 'network',
      action: 'prune',
      actor: { id: '', attributes: { reclaimed: '0' } },
    });
    return { NetworksDeleted: deleted };
  }
}
