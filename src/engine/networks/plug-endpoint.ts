import { createHash, randomBytes } from 'node:crypto';
import { InvalidParameter } from '../../errdefs/index.js';
import type { NetContainer } from './container-hooks.js';
import { allocateAddress, poolConfig } from './ipam.js';
import { allocateAddress6, poolConfig6 } from './ipam6.js';
import { formatIpv4, macFor, parseCidr, parseIpv4 } from './ipv4.js';
import { formatIpv6, parseCidr6 } from './ipv6.js';
import { type ContainerNetWish, type EndpointRecord, type NetworkRecord, poolsOf } from './network-record.js';
import type { NetworkCore } from './network-service.js';

/** Where the endpoint goes in the container: its netns (pid), `eth<index>`, default route or not. */
export interface PlugPlace {
  pid: number;
  primary: boolean;
  index: number;
  mtu: number;
}

/**
 * One endpoint: address, veth pair, routes; recorded on the network. Only the address
 * choice and the record's save hold the networks' lock: the veth set-up (two `ip` runs)
 * proceeds side by side for containers started in parallel. The endpoint is recorded
 * before the veth exists, so a parallel plug never takes the same address.
 */
export async function plugEndpoint(
  core: NetworkCore,
  c: NetContainer,
  n: NetworkRecord,
  w: ContainerNetWish,
  { pid, primary, index, mtu }: PlugPlace,
): Promise<EndpointRecord> {
  const p = n.ipam[0];
  if (!p) throw new InvalidParameter(`network ${n.name} has no IPv4 pool`);
  const subnet = parseCidr(p.subnet);
  if (!subnet) throw new InvalidParameter(`network ${n.name} has a bad subnet ${p.subnet}`);
  if ((w.ipv4 && !n.userSubnet) || (w.ipv6 && n.enableIpv6 && !n.userSubnet6))
    throw new InvalidParameter(
      'user specified IP address is supported only when connecting to networks with user configured subnets',
    );
  const v6 = poolsOf(n).v6;
  const e = await core.locked(async () => {
    const pool = poolConfig(subnet, p.ipRange, p.gateway);
    const taken = new Set(
      Object.entries(n.endpoints)
        .filter(([id]) => id !== c.id)
        .map(([, e]) => parseIpv4(e.ipv4) ?? 0),
    );
    const ip = allocateAddress(pool, taken, w.ipv4);
    const ip6 = allocate6(c, n, w);
    const endpoint: EndpointRecord = {
      endpointId: randomBytes(32).toString('hex'),
      name: c.name,
      ipv4: formatIpv4(ip),
      ...(ip6 ? { ipv6: ip6 } : {}),
      mac: w.mac ?? macFor(ip),
      ifname: `eth${index}`,
      hostVeth: `veth${createHash('sha256').update(`${c.id}/${n.id}`).digest('hex').slice(0, 7)}`,
      aliases: w.aliases,
      dnsNames: n.name === 'bridge' ? [] : [...new Set([c.name, c.id.slice(0, 12), ...w.aliases])],
    };
    n.endpoints[c.id] = endpoint;
    return endpoint;
  });
  const veth = {
    hostVeth: e.hostVeth,
    bridge: n.bridge as string,
    pid,
    ifname: e.ifname,
    mac: e.mac,
    addressCidr: `${e.ipv4}/${subnet.prefix}`,
    ...(primary && !n.internal ? { gateway: p.gateway } : {}),
    ...(e.ipv6 && v6 ? { addressCidr6: `${e.ipv6}/${v6.subnet.split('/')[1]}` } : {}),
    ...(e.ipv6 && v6 && primary && !n.internal ? { gateway6: v6.gateway } : {}),
    mtu,
  };
  try {
    // A veth of this container's earlier run may linger (its namespace is torn down
    // asynchronously): remove it only when the name is taken, saving a spawn per start.
    await core.o.holder.attach(veth).catch(async (err: unknown) => {
      if (!/File exists/i.test(err instanceof Error ? err.message : String(err))) throw err;
      await core.o.holder.detach(e.hostVeth);
      await core.o.holder.attach(veth);
    });
  } catch (err) {
    await core.locked(async () => {
      if (n.endpoints[c.id] === e) delete n.endpoints[c.id];
    });
    throw err;
  }
  await core.locked(() => core.o.store.save(n));
  core.o.bus.publish({
    type: 'network',
    action: 'connect',
    actor: { id: n.id, attributes: { container: c.id, name: n.name, type: n.driver } },
  });
  return e;
}

/** The IPv6 address of a new endpoint on an IPv6-enabled network (`--ip6` or the lowest free). */
function allocate6(c: NetContainer, n: NetworkRecord, w: ContainerNetWish): string | undefined {
  const v6 = poolsOf(n).v6;
  if (!v6) {
    // Docker ignores --ip6 on a network without IPv6... but says so: refuse, rather than drop it.
    if (w.ipv6)
      throw new InvalidParameter(
        `invalid endpoint settings: ${w.ipv6}: IPv6 address specified but network ${n.name} does not have IPv6 enabled`,
      );
    return undefined;
  }
  const subnet = parseCidr6(v6.subnet);
  if (!subnet) throw new InvalidParameter(`network ${n.name} has a bad subnet ${v6.subnet}`);
  const taken = new Set(
    Object.entries(n.endpoints)
      .filter(([id, e]) => id !== c.id && e.ipv6)
      .map(([, e]) => e.ipv6 as string),
  );
  return formatIpv6(allocateAddress6(poolConfig6(subnet, v6.ipRange, v6.gateway), taken, w.ipv6));
}
