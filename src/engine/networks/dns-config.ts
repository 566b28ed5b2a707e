// No zod here: the netns agent imports this file, and zod alone would add about 6 MiB to that
// small process (its modules, their compiled code and the schemas). The engine writes the file
// from these types; the agent checks its shape by hand.

/** One embedded DNS server: the address it listens on and what it answers. */
export interface DnsServerConfig {
  /** The bridge gateway address (port 53, UDP and TCP). */
  address: string;
  /** IPv6-enabled networks: the IPv6 gateway, where the same server answers too. */
  address6?: string;
  /** Forward unknown names upstream (false for internal networks). */
  forward: boolean;
  /** Lower-case name → IPv4 (and, on IPv6 networks, IPv6) addresses, for every container on the network. */
  records: Record<string, string[]>;
  /** Source address → extra names only that container resolves (`--link` aliases). */
  perSource: Record<string, Record<string, string[]>>;
}

/** The file the engine writes and the netns agent reads (again on SIGHUP). */
export interface DnsAgentConfig {
  upstream: string;
  servers: DnsServerConfig[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNameTable(v: unknown): v is Record<string, string[]> {
  return (
    isObject(v) && Object.values(v).every((a) => Array.isArray(a) && a.every((s) => typeof s === 'string'))
  );
}

function isServer(v: unknown): v is DnsServerConfig {
  return (
    isObject(v) &&
    typeof v.address === 'string' &&
    (v.address6 === undefined || typeof v.address6 === 'string') &&
    typeof v.forward === 'boolean' &&
    isNameTable(v.records) &&
    isObject(v.perSource) &&
    Object.values(v.perSource).every(isNameTable)
  );
}

/** The agent's configuration from its parsed JSON; throws when the shape is not the one above. */
export function parseDnsAgentConfig(value: unknown): DnsAgentConfig {
  if (!isObject(value) || typeof value.upstream !== 'string' || !Array.isArray(value.servers)) {
    throw new Error('expected { upstream: string, servers: [...] }');
  }
  const bad = value.servers.findIndex((s) => !isServer(s));
  if (bad >= 0) throw new Error(`servers[${bad}]: expected { address, forward, records, perSource }`);
  return { upstream: value.upstream, servers: value.servers as DnsServerConfig[] };
}

/** The addresses a query for `name` from `source` resolves to, or undefined when unknown. */
export function lookupName(server: DnsServerConfig, source: string, name: string): string[] | undefined {
  const key = name.toLowerCase().replace(/\.$/, '');
  return server.perSource[source]?.[key] ?? server.records[key];
}
