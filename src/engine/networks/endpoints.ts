import { appendFile } from 'node:fs/promises';
import { Forbidden, isRootlessdError, NotFound } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type {
  ContainerNetworkSettingsView,
  EndpointSettingsRequest,
  PortSummaryView,
} from '../../types/network.js';
import type { ContainerNetworking, NetContainer, PreparedNetwork } from './container-hooks.js';
import type { DnsAgentConfig } from './dns-config.js';
import { addLinks } from './dns-links.js';
import { EndpointWishes, wishFrom } from './endpoint-wishes.js';
import { checkLegacyLinks, legacyLinkHosts } from './legacy-links.js';
import { type NetworkRecord, poolsOf } from './network-record.js';
import type { NetworkCore } from './network-service.js';
import { plugEndpoint } from './plug-endpoint.js';
import { portRequests } from './port-bindings.js';
import { PortPublisher } from './port-publisher.js';
import { containerSettingsView, portSummaries } from './views.js';

const log = moduleLogger('networks.endpoints');

/**
 * Containers on networks: the lifecycle hooks (prepare, attach, release, forget), connect and
 * disconnect. Endpoints are plugged by plug-endpoint.ts, published ports handled by
 * port-publisher.ts, the networks each container wants kept by endpoint-wishes.ts.
 */
export class Endpoints implements ContainerNetworking {
  private readonly wishes: EndpointWishes;
  private readonly publisher: PortPublisher;

  constructor(
    private readonly core: NetworkCore,
    private readonly o: {
      holderPid: number;
      runtimeDir: string;
      mtu: number;
      defaultDns: string;
      lookup: (ref: string) => NetContainer;
    },
  ) {
    this.wishes = new EndpointWishes(core);
    this.publisher = new PortPublisher(core);
  }

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
        await this.publisher
          .relay(c)
          .catch((err: unknown) => log.warn({ err, id: cid }, 'ports not restored'));
      }
    }
    await this.core.updateDns(this.addLinks());
  }

  async prepare(c: NetContainer, restoring = false): Promise<PreparedNetwork> {
    // Joining another container's namespace: nothing of its own to set up.
    if (c.networkMode.startsWith('container:')) return {};
    const nets = await this.wishes.of(c);
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
    await this.publisher.bind(c, bridged.length > 0 ? requests : []);
    const defaultBridge = bridged.find((n) => n?.name === 'bridge');
    if (defaultBridge && c.links.length > 0 && !restoring) checkLegacyLinks(defaultBridge, c.name, c.links);
    const userNet = bridged.find((n) => n && n.name !== 'bridge');
    if (!userNet) return {};
    // The embedded DNS on the network's gateway; on IPv6 networks on its IPv6 gateway too, so
    // that a container that cannot reach the IPv4 one still resolves (docs/networking.md).
    const v6 = poolsOf(userNet).v6?.gateway;
    return { nameservers: [userNet.ipam[0]?.gateway ?? '', ...(v6 ? [v6] : [])] };
  }

  async attach(c: NetContainer, pid: number): Promise<void> {
    const nets = await this.wishes.of(c);
    this.publisher.started(c.id, pid);
    let index = 0;
    const own: string[] = [];
    for (const w of nets.networks) {
      const n = this.core.byId.get(w.networkId);
      if (n?.driver !== 'bridge') continue;
      const e = await plugEndpoint(this.core, c, n, w, { pid, primary: index === 0, index, mtu: this.o.mtu });
      if (index === 0) own.push(e.ipv4, ...(e.ipv6 ? [e.ipv6] : []));
      index++;
    }
    // The container's own addresses under its host name, and its links on the default bridge,
    // as Docker writes them.
    const bridge = this.core.bridges().find((n) => n.name === 'bridge' && n.endpoints[c.id]);
    const lines = [
      ...(c.hostname ? own.map((ip) => `${ip}\t${c.hostname}`) : []),
      ...(bridge ? legacyLinkHosts(bridge, c.links) : []),
    ];
    if (c.hostsFile && lines.length)
      await appendFile(c.hostsFile, lines.map((l) => `${l}\n`).join('')).catch((err: unknown) =>
        log.debug({ err, id: c.id }, 'hosts entries not added'),
      );
    await this.publisher.relay(c);
    await this.core.updateDns(this.addLinks());
  }

  /** Per-source DNS names and `--link` aliases (dns-links.ts). */
  private addLinks(): (config: DnsAgentConfig) => void {
    return addLinks(this.core, (cid) => this.wishes.get(cid));
  }

  async release(containerId: string): Promise<void> {
    await this.publisher.release(containerId);
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
    const nets = await this.wishes.of(c);
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
      await plugEndpoint(this.core, c, n, wish, { pid: c.pid, primary: false, index, mtu: this.o.mtu });
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
    const nets = c ? await this.wishes.of(c) : (this.wishes.get(cid) ?? { networks: [] });
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
    return this.wishes.inUse(n);
  }

  /** Loads every container's wishes from disk (for inUse after a restart). */
  loadWishes(ids: string[]): Promise<void> {
    return this.wishes.load(ids);
  }

  settings(c: NetContainer): ContainerNetworkSettingsView {
    const nets = this.wishes.ofSync(c);
    const entries = nets.networks.flatMap((w) => {
      const network = this.core.byId.get(w.networkId);
      return network ? [{ network, wish: w, endpoint: c.running ? network.endpoints[c.id] : undefined }] : [];
    });
    return containerSettingsView(
      entries,
      c.running ? this.publisher.published(c.id) : [],
      Object.keys(c.exposedPorts ?? {}),
      c.running,
    );
  }

  ports(c: NetContainer): PortSummaryView[] {
    if (!c.running) return [];
    return portSummaries(this.publisher.published(c.id), Object.keys(c.exposedPorts ?? {}));
  }

  /** The default name server for containers not on a user-defined network. */
  get defaultDns(): string {
    return this.o.defaultDns;
  }
}
