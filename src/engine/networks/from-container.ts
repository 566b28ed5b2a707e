import type { ContainerNetworkSettingsView, PortSummaryView } from '../../types/network.js';
import type { LiveContainer } from '../containers/live-container.js';
import { configOf, hostConfigOf } from '../containers/record.js';
import type { ContainerNetworking, NetContainer, PreparedNetwork } from './container-hooks.js';

/** The networking view of a container record. */
export function netContainerOf(c: LiveContainer): NetContainer {
  const hc = hostConfigOf(c.record);
  const raw = c.record.hostConfig as { PublishAllPorts?: unknown; Links?: unknown };
  const config = configOf(c.record);
  const ep = (c.record.networkingConfig as { EndpointsConfig?: Record<string, unknown> | null } | undefined)
    ?.EndpointsConfig;
  return {
    id: c.id,
    name: c.record.name.replace(/^\//, ''),
    running: c.running,
    pid: c.running ? c.state.pid : 0,
    networkMode: hc.NetworkMode ?? 'bridge',
    endpointsConfig: ep ?? {},
    portBindings: (hc.PortBindings ?? null) as Record<string, unknown> | null,
    publishAll: raw.PublishAllPorts === true,
    exposedPorts: (config.ExposedPorts ?? null) as Record<string, unknown> | null,
    links: Array.isArray(raw.Links) ? raw.Links.filter((l): l is string => typeof l === 'string') : [],
    hostname: config.Hostname || c.id.slice(0, 12),
    hostsFile: c.paths.hosts,
  };
}

/** The container hooks over LiveContainer, as the container start/stop/remove path calls them. */
export interface LiveNetworking {
  prepare(c: LiveContainer): Promise<PreparedNetwork>;
  attach(c: LiveContainer, pid: number): Promise<void>;
  release(containerId: string): Promise<void>;
  forget(containerId: string): Promise<void>;
  settings(c: LiveContainer): ContainerNetworkSettingsView;
  ports(c: LiveContainer): PortSummaryView[];
}

export function liveNetworking(hooks: ContainerNetworking): LiveNetworking {
  return {
    prepare: (c) => hooks.prepare(netContainerOf(c)),
    attach: (c, pid) => hooks.attach({ ...netContainerOf(c), running: true, pid }, pid),
    release: (id) => hooks.release(id),
    forget: (id) => hooks.forget(id),
    settings: (c) => hooks.settings(netContainerOf(c)),
    ports: (c) => hooks.ports(netContainerOf(c)),
  };
}
