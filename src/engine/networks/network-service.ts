import { randomBytes } from 'node:crypto';
import { Conflict, Forbidden, InvalidParameter, NotFound, NotImplemented } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { NetworkCreateRequest, NetworkCreateResponse, NetworkView } from '../../types/network.js';
import type { EventBus } from '../events/bus.js';
import type { DnsAgentProcess } from './dns-agent-process.js';
import type { DnsAgentConfig } from './dns-config.js';
import { noIpv6Message } from './firewall.js';
import type { HolderNet } from './holder-net.js';
import { type AddressPool, allocateSubnet, checkRequestedSubnet, poolConfig } from './ipam.js';
import { allocateSubnet6, checkRequestedSubnet6, poolConfig6 } from './ipam6.js';
import { type Cidr, formatCidr, formatIpv4, parseCidr } from './ipv4.js';
import { type Cidr6, formatCidr6, formatIpv6, isV6Text, parseCidr6, ulaPool } from './ipv6.js';
import { matchesNetworkFilters, type NetworkFilters } from './network-filters.js';
import { isPredefined, type NetworkRecord, poolsOf } from './network-record.js';
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
  /** Seeds the default IPv6 pool before the default bridge exists. */
  seed?: string;
  /** daemon.json `ipv6` and `fixed-cidr-v6`: IPv6 on the default bridge network. */
  defaultBridgeIpv6?: { enable: boolean; fixedCidr?: string };
}

const BRIDGE_OPTIONS = {
  'com.docker.network.bridge.default_bridge': 'true',
  'com.docker.network.bridge.enable_icc': 'true',
  'com.docker.network.bridge.enable_ip_masquerade': 'true',
  'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
  'com.docker.network.bridge.name': 'docker0',
};

/** slirp4netns --enable-ipv6's network on tap0 (fixed: slirp4netns has no option for it). */
const SLIRP_V6: Cidr6[] = [{ base: 0xfd00n << 112n, prefix: 64 }];

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
      const subnet = allocateSubnet(this.v4Pools(), [...this.o.reserved, ...this.subnetsInUse()]);
      await this.saveNew({
        ...this.blank('bridge', 'bridge'),
        ipam: [{ subnet: formatCidr(subnet), gateway: formatIpv4(subnet.base + 1) }],
        options: { ...BRIDGE_OPTIONS, 'com.docker.network.driver.mtu': String(this.o.mtu) },
        bridge: 'docker0',
      });
    }
    const bridge = byName('bridge');
    if (bridge) await this.defaultBridgeIpv6(bridge);
    if (!byName('host')) await this.saveNew(this.blank('host', 'host'));
    if (!byName('none')) await this.saveNew(this.blank('none', 'null'));
    await this.o.holder.init();
    await this.syncKernel();
    await this.o.dnsAgent.start(this.dnsConfig());
  }

  /**
   * daemon.json `ipv6`/`fixed-cidr-v6` on the default bridge: its IPv6 pool is added, changed
   * or dropped to match (a bad or overlapping `fixed-cidr-v6` is logged and leaves it IPv4-only).
   */
  private async defaultBridgeIpv6(n: NetworkRecord): Promise<void> {
    const want = this.o.defaultBridgeIpv6;
    const has = n.ipam.find((p) => p.subnet.includes(':'));
    const v4 = n.ipam.filter((p) => !p.subnet.includes(':'));
    if (!want?.enable) {
      if (!has && !n.enableIpv6) return;
      n.ipam = v4;
      delete n.enableIpv6;
      await this.o.store.save(n);
      return;
    }
    if (has && (!want.fixedCidr || parseCidr6(want.fixedCidr)?.base === parseCidr6(has.subnet)?.base)) return;
    if (!(await this.o.holder.firewall()).ipv6) {
      log.error(noIpv6Message());
      return;
    }
    try {
      this.byId.delete(n.id);
      const v6 = this.pool6(want.fixedCidr);
      n.ipam = [...v4, v6];
      n.enableIpv6 = true;
      n.userSubnet6 = Boolean(want.fixedCidr);
      await this.o.store.save(n);
    } catch (err) {
      log.warn({ err }, 'the default bridge stays IPv4-only: fixed-cidr-v6 not usable');
    } finally {
      this.byId.set(n.id, n);
    }
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

  /** The IPv4 pools of `default-address-pools` (or Docker's defaults). */
  v4Pools(): AddressPool[] {
    return this.o.pools.filter((p) => !isV6Text(p.base));
  }

  /**
   * The IPv6 pools: those of `default-address-pools`, else a unique local /48 derived from the
   * engine's identity (the default bridge network's id), split into /64s, as Docker 28 does.
   */
  v6Pools(): AddressPool[] {
    const mine = this.o.pools.filter((p) => isV6Text(p.base));
    if (mine.length) return mine;
    const bridge = [...this.byId.values()].find((n) => n.name === 'bridge');
    return [ulaPool(bridge?.id ?? this.o.seed ?? 'rootlessd')];
  }

  subnets6InUse(): Cidr6[] {
    return [...this.byId.values()].flatMap((n) =>
      n.ipam.map((p) => parseCidr6(p.subnet)).filter((c): c is Cidr6 => !!c),
    );
  }

  /** The IPv6 IPAM entry of a new network: the asked subnet (checked) or one from the v6 pools. */
  pool6(subnetText?: string, ipRange?: string, gateway?: string): NetworkRecord['ipam'][number] {
    // slirp4netns's own fd00::/64 (tap0) is taken, as 10.0.2.0/24 is for IPv4.
    const used = [...SLIRP_V6, ...this.subnets6InUse()];
    const subnet = subnetText
      ? checkRequestedSubnet6(subnetText, used)
      : allocateSubnet6(this.v6Pools(), used);
    const pool = poolConfig6(subnet, ipRange, gateway);
    return {
      subnet: formatCidr6(subnet),
      ...(ipRange ? { ipRange: formatCidr6(pool.range) } : {}),
      gateway: formatIpv6(pool.gateway),
    };
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
      bridges.map((n) => {
        const v6 = poolsOf(n).v6;
        return {
          name: n.bridge as string,
          gatewayCidr: `${n.ipam[0]?.gateway}/${n.ipam[0]?.subnet.split('/')[1]}`,
          ...(v6 ? { gatewayCidr6: `${v6.gateway}/${v6.subnet.split('/')[1]}` } : {}),
          mtu: this.o.mtu,
        };
      }),
    );
    await this.o.holder.applyRules(
      bridges.map((n) => ({
        bridge: n.bridge as string,
        subnet: n.ipam[0]?.subnet ?? '',
        ...(poolsOf(n).v6 ? { subnet6: poolsOf(n).v6?.subnet } : {}),
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
        for (const e of Object.values(n.endpoints))
          for (const name of e.dnsNames) {
            add(name, e.ipv4);
            if (e.ipv6) add(name, e.ipv6);
          }
        const v6 = poolsOf(n).v6?.gateway;
        return {
          address: n.ipam[0]?.gateway ?? '',
          ...(v6 ? { address6: v6 } : {}),
          forward: !n.internal,
          records,
          perSource: {},
        };
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
      if (req.Ingress)
        throw new Forbidden('ingress networks need swarm mode, which rootlessd does not provide');
      if (req.EnableIPv6 && !(await this.o.holder.firewall()).ipv6) throw new NotImplemented(noIpv6Message());
      const all = req.IPAM?.Config ?? [];
      const configs = all.filter((c) => !isV6Text(c.Subnet) && !isV6Text(c.Gateway) && !isV6Text(c.IPRange));
      // Without --ipv6, IPv6 pools are ignored, as Docker does.
      const configs6 = req.EnableIPv6 ? all.filter((c) => !configs.includes(c)) : [];
      if (configs.length > 1) throw new InvalidParameter('rootlessd supports one IPv4 subnet per network');
      if (configs6.length > 1) throw new InvalidParameter('rootlessd supports one IPv6 subnet per network');
      const used = [...this.o.reserved, ...this.subnetsInUse()];
      const asked = configs[0];
      if (asked && !asked.Subnet && (asked.IPRange || asked.Gateway))
        throw new InvalidParameter('ip-range and gateway need a subnet (--subnet)');
      const subnet = asked?.Subnet
        ? checkRequestedSubnet(asked.Subnet, used)
        : allocateSubnet(this.v4Pools(), used);
      const pool = poolConfig(subnet, asked?.IPRange, asked?.Gateway);
      const asked6 = configs6[0];
      if (asked6 && !asked6.Subnet && (asked6.IPRange || asked6.Gateway))
        throw new InvalidParameter('ip-range and gateway need a subnet (--subnet)');
      const v6 = req.EnableIPv6 ? this.pool6(asked6?.Subnet, asked6?.IPRange, asked6?.Gateway) : undefined;
      const id = newId();
      const n: NetworkRecord = {
        ...this.blank(name, 'bridge'),
        id,
        internal: Boolean(req.Internal),
        ...(v6 ? { enableIpv6: true } : {}),
        attachable: Boolean(req.Attachable),
        userSubnet: Boolean(asked?.Subnet),
        ...(v6 ? { userSubnet6: Boolean(asked6?.Subnet) } : {}),
        ipam: [
          {
            subnet: formatCidr(subnet),
            ...(asked?.IPRange ? { ipRange: formatCidr(pool.range) } : {}),
            gateway: formatIpv4(pool.gateway),
          },
          ...(v6 ? [v6] : []),
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
