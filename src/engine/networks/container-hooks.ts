import type { ContainerNetworkSettingsView, PortSummaryView } from '../../types/network.js';

/** What networking needs to know about a container. */
export interface NetContainer {
  id: string;
  /** Without the leading slash. */
  name: string;
  running: boolean;
  /** The container's init pid while it runs (its network namespace). */
  pid: number;
  networkMode: string;
  /** NetworkingConfig.EndpointsConfig as created. */
  endpointsConfig: Record<string, unknown>;
  portBindings: Record<string, unknown> | null | undefined;
  publishAll: boolean;
  exposedPorts: Record<string, unknown> | null | undefined;
  links: string[];
  /** The container's host name and its /etc/hosts file (its own addresses are added at attach). */
  hostname?: string;
  hostsFile?: string;
}

/** What the container start path writes into resolv.conf. */
export interface PreparedNetwork {
  /**
   * The name servers for resolv.conf (the embedded DNS on user-defined networks: the IPv4
   * gateway, then the IPv6 one on IPv6 networks), if not the default.
   */
  nameservers?: string[];
}

/** The hooks the container lifecycle calls; implemented by NetworkService. */
export interface ContainerNetworking {
  /** Before `runc create`: allocate addresses, bind published host ports (a taken one throws). */
  prepare(c: NetContainer): Promise<PreparedNetwork>;
  /** After `runc create`, before `runc start`: veths, addresses, routes, DNS, relays. */
  attach(c: NetContainer, pid: number): Promise<void>;
  /** The container stopped (or failed to start): release addresses and ports. Never throws. */
  release(containerId: string): Promise<void>;
  /** The container was removed: forget its network wishes. Never throws. */
  forget(containerId: string): Promise<void>;
  settings(c: NetContainer): ContainerNetworkSettingsView;
  ports(c: NetContainer): PortSummaryView[];
}
