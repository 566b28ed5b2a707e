/**
 * The environment Docker gives a container for each `--link target:alias` on the default
 * bridge (its legacy links): `ALIAS_NAME`, `ALIAS_PORT` and `ALIAS_PORT_<port>_<PROTO>…` for the
 * target's exposed ports at its address, and `ALIAS_ENV_<name>` for the target's own
 * environment (without HOME and PATH).
 */
export interface LinkTarget {
  /** The target's address on the default bridge. */
  ip: string;
  /** Config.ExposedPorts keys: `80/tcp`, `53/udp`, `8000-8002/tcp`. */
  exposedPorts: readonly string[];
  /** The target's Config.Env. */
  env: readonly string[];
}

function portsOf(exposed: readonly string[]): Array<{ port: number; proto: string }> {
  const out: Array<{ port: number; proto: string }> = [];
  for (const spec of exposed) {
    const [range = '', proto = 'tcp'] = spec.split('/');
    const [from, to = from] = range.split('-').map(Number);
    if (from === undefined || to === undefined || Number.isNaN(from) || Number.isNaN(to)) continue;
    for (let p = from; p <= to; p++) out.push({ port: p, proto: proto.toLowerCase() });
  }
  // Docker sorts them (nat.Sort): by port, tcp before others.
  return out.sort((a, b) => a.port - b.port || (a.proto === 'tcp' ? -1 : b.proto === 'tcp' ? 1 : 0));
}

/** `linker` is the linking container's name and `alias` the link's, both without `/`. */
export function linkEnv(linker: string, alias: string, target: LinkTarget): string[] {
  const prefix = alias.toUpperCase().replace(/-/g, '_');
  const env: string[] = [`${prefix}_NAME=/${linker}/${alias}`];
  const ports = portsOf(target.exposedPorts);
  const first = ports[0];
  if (first) env.push(`${prefix}_PORT=${first.proto}://${target.ip}:${first.port}`);
  for (const { port, proto } of ports) {
    const key = `${prefix}_PORT_${port}_${proto.toUpperCase()}`;
    env.push(
      `${key}=${proto}://${target.ip}:${port}`,
      `${key}_ADDR=${target.ip}`,
      `${key}_PORT=${port}`,
      `${key}_PROTO=${proto}`,
    );
  }
  for (const entry of target.env) {
    const eq = entry.indexOf('=');
    if (eq < 0) continue;
    const name = entry.slice(0, eq);
    if (name === 'HOME' || name === 'PATH') continue;
    env.push(`${prefix}_ENV_${name}=${entry.slice(eq + 1)}`);
  }
  return env;
}
