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
  /** Its IPv6 address on that network, if it has one: IPv6 clients are relayed there (tcp). */
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

/** The address a relay may bind as the connection's source: IPv4, not loopback; else undefined. */
export function keepableSource(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(v4)) return undefined;
  if (v4.startsWith('127.') || v4 === '0.0.0.0') return undefined;
  return v4;
}
