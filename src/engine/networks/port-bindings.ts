import { InvalidParameter } from '../../errdefs/index.js';

/** One port to publish, as asked for (hostPort 0: any free one; a range: the first free in it). */
export interface PortRequest {
  containerPort: number;
  proto: 'tcp' | 'udp';
  hostIp: string;
  hostPortFrom: number;
  hostPortTo: number;
  /** No address given: Docker listens on 0.0.0.0 and, where the host has IPv6, on `::` too. */
  dualStack?: boolean;
}

type Bindings = Record<
  string,
  Array<{ HostIp?: string | null; HostPort?: string | null }> | null | undefined
>;

function parseKey(key: string): { port: number; proto: 'tcp' | 'udp' } {
  const [p = '', proto = 'tcp'] = key.split('/');
  const port = Number(p);
  if (!/^\d+$/.test(p) || port < 1 || port > 65535)
    throw new InvalidParameter(`invalid port specification: "${key}"`);
  if (proto !== 'tcp' && proto !== 'udp')
    throw new InvalidParameter(
      `unsupported protocol ${proto} for port ${p} (rootlessd publishes tcp and udp)`,
    );
  return { port, proto };
}

function parseHostPort(text: string | null | undefined): [number, number] {
  if (!text) return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw new InvalidParameter(`invalid hostPort: ${text}`);
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  if (from > 65535 || to > 65535 || to < from) throw new InvalidParameter(`invalid hostPort: ${text}`);
  return [from, to];
}

/** HostConfig.PortBindings plus, with PublishAllPorts, every exposed port on a free host port. */
export function portRequests(
  portBindings: Bindings | null | undefined,
  publishAll: boolean,
  exposed: Record<string, unknown> | null | undefined,
): PortRequest[] {
  const out: PortRequest[] = [];
  const bound = new Set<string>();
  for (const [key, list] of Object.entries(portBindings ?? {})) {
    const { port, proto } = parseKey(key);
    bound.add(`${port}/${proto}`);
    for (const b of list ?? []) {
      const [from, to] = parseHostPort(b.HostPort);
      out.push({
        containerPort: port,
        proto,
        hostIp: b.HostIp || '0.0.0.0',
        hostPortFrom: from,
        hostPortTo: to,
        ...(b.HostIp ? {} : { dualStack: true }),
      });
    }
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {})) {
      const { port, proto } = parseKey(key);
      if (!bound.has(`${port}/${proto}`))
        out.push({
          containerPort: port,
          proto,
          hostIp: '0.0.0.0',
          hostPortFrom: 0,
          hostPortTo: 0,
          dualStack: true,
        });
    }
  }
  return out;
}
