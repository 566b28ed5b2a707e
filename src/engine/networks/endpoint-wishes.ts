import { InvalidParameter } from '../../errdefs/index.js';
import type { EndpointSettingsRequest } from '../../types/network.js';
import type { NetContainer } from './container-hooks.js';
import type { ContainerNets, ContainerNetWish, NetworkRecord } from './network-record.js';
import type { NetworkCore } from './network-service.js';

/** One network a container asks for, from its EndpointSettings. */
export function wishFrom(networkId: string, raw: unknown): ContainerNetWish {
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

/**
 * The networks each container wants (running or not): from its create request at first, then
 * as connect/disconnect change them; kept in memory and in the network store.
 */
export class EndpointWishes {
  private readonly wishes = new Map<string, ContainerNets>();

  constructor(private readonly core: NetworkCore) {}

  get(containerId: string): ContainerNets | undefined {
    return this.wishes.get(containerId);
  }

  set(containerId: string, nets: ContainerNets): void {
    this.wishes.set(containerId, nets);
  }

  delete(containerId: string): void {
    this.wishes.delete(containerId);
  }

  /** In memory, else on disk, else from the container's create request. */
  async of(c: NetContainer): Promise<ContainerNets> {
    const cached = this.wishes.get(c.id) ?? (await this.core.o.store.loadContainer(c.id));
    if (cached) {
      this.wishes.set(c.id, cached);
      return cached;
    }
    return this.initial(c);
  }

  /** In memory or from the create request; none when the request names a missing network. */
  ofSync(c: NetContainer): ContainerNets {
    try {
      return this.wishes.get(c.id) ?? this.initial(c);
    } catch {
      return { networks: [] };
    }
  }

  /** Whether any container (running or not) wants this network. */
  inUse(n: NetworkRecord): boolean {
    for (const w of this.wishes.values()) if (w.networks.some((x) => x.networkId === n.id)) return true;
    return false;
  }

  /** Loads every container's wishes from disk (for inUse after a restart). */
  async load(ids: string[]): Promise<void> {
    for (const id of ids) {
      const w = await this.core.o.store.loadContainer(id).catch(() => undefined);
      if (w) this.wishes.set(id, w);
    }
  }

  private initial(c: NetContainer): ContainerNets {
    const mode = c.networkMode === 'default' || !c.networkMode ? 'bridge' : c.networkMode;
    const nets: ContainerNetWish[] = [];
    if (mode.startsWith('container:')) return { networks: [] };
    const primary = this.core.get(mode);
    // The CLI files `--mac-address`, `--ip`, `--link` for the default network under "default".
    const primaryRaw =
      c.endpointsConfig[c.networkMode] ??
      c.endpointsConfig[primary.name] ??
      c.endpointsConfig[primary.id] ??
      (primary.name === 'bridge' ? c.endpointsConfig.default : undefined);
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
}
