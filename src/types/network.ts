import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

const IpamPoolSchema = lazySchema(() =>
  z.looseObject({
    Subnet: z.string().optional(),
    IPRange: z.string().optional(),
    Gateway: z.string().optional(),
    AuxiliaryAddresses: z.record(z.string(), z.string()).nullish(),
  }),
);

/** POST /networks/create */
export const NetworkCreateRequestSchema = lazySchema(() =>
  z.looseObject({
    Name: z.string(),
    CheckDuplicate: z.boolean().nullish(),
    Driver: z.string().nullish(),
    Scope: z.string().nullish(),
    Internal: z.boolean().nullish(),
    Attachable: z.boolean().nullish(),
    Ingress: z.boolean().nullish(),
    ConfigOnly: z.boolean().nullish(),
    EnableIPv4: z.boolean().nullish(),
    EnableIPv6: z.boolean().nullish(),
    IPAM: z
      .looseObject({
        Driver: z.string().nullish(),
        Config: z.array(IpamPoolSchema).nullish(),
        Options: z.record(z.string(), z.string()).nullish(),
      })
      .nullish(),
    Options: z.record(z.string(), z.string()).nullish(),
    Labels: z.record(z.string(), z.string()).nullish(),
  }),
);
export type NetworkCreateRequest = z.infer<typeof NetworkCreateRequestSchema>;

/** An endpoint's settings as clients send them (EndpointsConfig, connect's EndpointConfig). */
export const EndpointSettingsSchema = lazySchema(() =>
  z.looseObject({
    IPAMConfig: z
      .looseObject({
        IPv4Address: z.string().nullish(),
        IPv6Address: z.string().nullish(),
        LinkLocalIPs: z.array(z.string()).nullish(),
      })
      .nullish(),
    Links: z.array(z.string()).nullish(),
    Aliases: z.array(z.string()).nullish(),
    MacAddress: z.string().nullish(),
    DriverOpts: z.record(z.string(), z.string()).nullish(),
    GwPriority: z.number().nullish(),
    DNSNames: z.array(z.string()).nullish(),
  }),
);
export type EndpointSettingsRequest = z.infer<typeof EndpointSettingsSchema>;

/** POST /networks/{id}/connect */
export const NetworkConnectRequestSchema = lazySchema(() =>
  z.looseObject({
    Container: z.string(),
    EndpointConfig: EndpointSettingsSchema.nullish(),
  }),
);
export type NetworkConnectRequest = z.infer<typeof NetworkConnectRequestSchema>;

/** POST /networks/{id}/disconnect */
export const NetworkDisconnectRequestSchema = lazySchema(() =>
  z.looseObject({
    Container: z.string(),
    Force: z.boolean().nullish(),
  }),
);
export type NetworkDisconnectRequest = z.infer<typeof NetworkDisconnectRequestSchema>;

export interface NetworkCreateResponse {
  Id: string;
  Warning: string;
}

export interface IpamConfigView {
  Subnet: string;
  IPRange?: string;
  Gateway: string;
}

export interface NetworkContainerView {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** GET /networks/{id} and each item of GET /networks. */
export interface NetworkView {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamConfigView[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkContainerView>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  Peers?: unknown[];
}

/** One entry of a container's NetworkSettings.Networks. */
export interface EndpointView {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  GwPriority: number;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

export interface PortBindingView {
  HostIp: string;
  HostPort: string;
}

/** The network part of a container's inspect. */
export interface ContainerNetworkSettingsView {
  Bridge: string;
  SandboxID: string;
  SandboxKey: string;
  Ports: Record<string, PortBindingView[] | null>;
  HairpinMode: boolean;
  LinkLocalIPv6Address: string;
  LinkLocalIPv6PrefixLen: number;
  SecondaryIPAddresses: null;
  SecondaryIPv6Addresses: null;
  EndpointID: string;
  Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
  Networks: Record<string, EndpointView>;
}

/** One published port as `GET /containers/json` lists it. */
export interface PortSummaryView {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}
