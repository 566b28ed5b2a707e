import type {
  ContainerNetworkSettingsView,
  EndpointView,
  NetworkView,
  PortBindingView,
  PortSummaryView,
} from '../../types/network.js';
import { type ContainerNetWish, type EndpointRecord, type NetworkRecord, poolsOf } from './network-record.js';

function prefixOf(subnet: string | undefined): number {
  return Number(subnet?.split('/')[1] ?? 0);
}

export function networkView(n: NetworkRecord, withContainers: boolean): NetworkView {
  const containers: NetworkView['Containers'] = {};
  if (withContainers) {
    for (const [id, e] of Object.entries(n.endpoints)) {
      const prefix = n.ipam[0]?.subnet.split('/')[1] ?? '16';
      const v6 = poolsOf(n).v6;
      containers[id] = {
        Name: e.name,
        EndpointID: e.endpointId,
        MacAddress: e.mac,
        IPv4Address: `${e.ipv4}/${prefix}`,
        IPv6Address: e.ipv6 && v6 ? `${e.ipv6}/${prefixOf(v6.subnet)}` : '',
      };
    }
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv4: true,
    EnableIPv6: Boolean(n.enableIpv6),
    IPAM: {
      Driver: 'default',
      Options: Object.keys(n.ipamOptions).length ? n.ipamOptions : null,
      Config: n.ipam
        .filter((p) => n.enableIpv6 || !p.subnet.includes(':'))
        .map((p) => ({
          Subnet: p.subnet,
          ...(p.ipRange ? { IPRange: p.ipRange } : {}),
          Gateway: p.gateway,
        })),
    },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: n.labels,
  };
}

export function endpointView(
  n: NetworkRecord,
  wish: ContainerNetWish,
  e: EndpointRecord | undefined,
): EndpointView {
  const prefix = Number(n.ipam[0]?.subnet.split('/')[1] ?? 0);
  const v6 = poolsOf(n).v6;
  const has6 = Boolean(e?.ipv6 && v6);
  return {
    IPAMConfig:
      wish.ipv4 || wish.ipv6
        ? {
            ...(wish.ipv4 ? { IPv4Address: wish.ipv4 } : {}),
            ...(wish.ipv6 ? { IPv6Address: wish.ipv6 } : {}),
          }
        : null,
    Links: wish.links.length ? wish.links : null,
    Aliases: wish.aliases.length ? wish.aliases : null,
    MacAddress: e?.mac ?? '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: n.id,
    EndpointID: e?.endpointId ?? '',
    Gateway: e ? (n.ipam[0]?.gateway ?? '') : '',
    IPAddress: e?.ipv4 ?? '',
    IPPrefixLen: e ? prefix : 0,
    IPv6Gateway: has6 ? (v6?.gateway ?? '') : '',
    GlobalIPv6Address: has6 ? (e?.ipv6 ?? '') : '',
    GlobalIPv6PrefixLen: has6 ? prefixOf(v6?.subnet) : 0,
    DNSNames: e?.dnsNames.length ? e.dnsNames : null,
  };
}

export interface PublishedPort {
  containerPort: number;
  proto: string;
  hostIp: string;
  hostPort: number;
}

export function containerSettingsView(
  entries: Array<{ network: NetworkRecord; wish: ContainerNetWish; endpoint: EndpointRecord | undefined }>,
  ports: PublishedPort[],
  exposed: string[],
  running: boolean,
): ContainerNetworkSettingsView {
  const networks: Record<string, EndpointView> = {};
  for (const x of entries) networks[x.network.name] = endpointView(x.network, x.wish, x.endpoint);
  const primary = entries.find((x) => x.network.name === 'bridge');
  const p = primary ? networks.bridge : undefined;
  const portMap: Record<string, PortBindingView[] | null> = {};
  if (running) {
    for (const key of exposed) portMap[key] = null;
    for (const port of ports) {
      const key = `${port.containerPort}/${port.proto}`;
      const list = portMap[key] ?? [];
      list.push({ HostIp: port.hostIp, HostPort: String(port.hostPort) });
      portMap[key] = list;
    }
  }
  return {
    Bridge: '',
    SandboxID: '',
    SandboxKey: '',
    Ports: portMap,
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: p?.EndpointID ?? '',
    Gateway: p?.Gateway ?? '',
    GlobalIPv6Address: p?.GlobalIPv6Address ?? '',
    GlobalIPv6PrefixLen: p?.GlobalIPv6PrefixLen ?? 0,
    IPAddress: p?.IPAddress ?? '',
    IPPrefixLen: p?.IPPrefixLen ?? 0,
    IPv6Gateway: p?.IPv6Gateway ?? '',
    MacAddress: p?.MacAddress ?? '',
    Networks: networks,
  };
}

export function portSummaries(ports: PublishedPort[], exposed: string[]): PortSummaryView[] {
  const out: PortSummaryView[] = ports.map((p) => ({
    IP: p.hostIp,
    PrivatePort: p.containerPort,
    PublicPort: p.hostPort,
    Type: p.proto,
  }));
  for (const key of exposed) {
    const [port = '0', proto = 'tcp'] = key.split('/');
    if (!ports.some((p) => p.containerPort === Number(port) && p.proto === proto))
      out.push({ PrivatePort: Number(port), Type: proto });
  }
  return out;
}
