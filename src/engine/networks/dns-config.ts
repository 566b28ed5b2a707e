import { z } from 'zod';

/** One embedded DNS server: the address it listens on and what it answers. */
export const DnsServerConfigSchema = z.object({
  /** The bridge gateway address (port 53, UDP and TCP). */
  address: z.string(),
  /** Forward unknown names upstream (false for internal networks). */
  forward: z.boolean(),
  /** Lower-case name → IPv4 (and, on IPv6 networks, IPv6) addresses, for every container on the network. */
  records: z.record(z.string(), z.array(z.string())),
  /** Source address → extra names only that container resolves (`--link` aliases). */
  perSource: z.record(z.string(), z.record(z.string(), z.array(z.string()))),
});
export type DnsServerConfig = z.infer<typeof DnsServerConfigSchema>;

/** The file the engine writes and the netns agent reads (again on SIGHUP). */
export const DnsAgentConfigSchema = z.object({
  upstream: z.string(),
  servers: z.array(DnsServerConfigSchema),
});
export type DnsAgentConfig = z.infer<typeof DnsAgentConfigSchema>;

/** The addresses a query for `name` from `source` resolves to, or undefined when unknown. */
export function lookupName(server: DnsServerConfig, source: string, name: string): string[] | undefined {
  const key = name.toLowerCase().replace(/\.$/, '');
  return server.perSource[source]?.[key] ?? server.records[key];
}
