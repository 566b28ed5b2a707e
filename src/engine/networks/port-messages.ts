/**
 * The engine ↔ netns agent messages about published ports, over the agent's IPC channel.
 * `publish` carries the listening host socket (a net.Server for tcp, a dgram socket for udp)
 * as the message's handle; the agent answers `published` or `failed` with the same key.
 */
export interface PublishMessage {
  op: 'publish';
  key: string;
  proto: 'tcp' | 'udp';
  /** The container's address and port inside the container network. */
  target: string;
  targetPort: number;
  /** Its IPv6 address on that network, if it has one: IPv6 clients are relayed there. */
  target6?: string;
}

export interface UnpublishMessage {
  op: 'unpublish';
  key: string;
}

export type EngineToAgent = PublishMessage | UnpublishMessage;

export interface AgentReply {
  op: 'published' | 'failed' | 'unpublished';
  key: string;
  error?: string;
}

/**
 * The IPv6 address a relay may bind as the source of a dial to the container's IPv6 address:
 * not loopback, link-local, unspecified, multicast or IPv4-mapped (the container could not
 * answer those through the relay); else undefined.
 */
export function keepableSource6(address: string | undefined): string | undefined {
  if (!address?.includes(':')) return undefined;
  const a = address.toLowerCase();
  if (a === '::1' || a === '::' || a.startsWith('::ffff:') || a.startsWith('ff')) return undefined;
  if (/^fe[89ab][0-9a-f]:/.test(a)) return undefined;
  return a;
}

/** The address a relay may bind as the connection's source: IPv4, not loopback; else undefined. */
export function keepableSource(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(v4)) return undefined;
  if (v4.startsWith('127.') || v4 === '0.0.0.0') return undefined;
  return v4;
}
