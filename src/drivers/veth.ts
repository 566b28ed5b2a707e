import { moduleLogger } from '../log/index.js';
import { loadAddon } from './native-addon.js';
import { netnsPath } from './netns.js';

const log = moduleLogger('veth');

/** What `attach` sets up: one veth pair between a bridge and a container's namespace. */
export interface NativeVeth {
  /** Network namespace file of the container network (the holder's). */
  holderNs: string;
  /** Network namespace file of the container. */
  containerNs: string;
  hostVeth: string;
  bridge: string;
  ifname: string;
  /** aa:bb:cc:dd:ee:ff, or "" for the kernel's choice. */
  mac: string;
  address: string;
  prefix: number;
  /** Default route via this address; "" for none. */
  gateway: string;
  mtu: number;
  /** IPv6-enabled networks: the address (added with IFA_F_NODAD), "" for none. */
  address6: string;
  prefix6: number;
  /** IPv6 default route via this address; "" for none. */
  gateway6: string;
}

interface VethAddon {
  attach(v: NativeVeth): Promise<void>;
  detach(holderNs: string, hostVeth: string): Promise<void>;
}

/**
 * Our rtnetlink addon (native/veth.c → dist/native/veth.node): no `nsenter … ip` spawn per
 * container start or stop. Undefined when it was not built (no C compiler): callers run ip.
 */
function load(): VethAddon | undefined {
  return loadAddon<VethAddon>('veth', () =>
    log.info('native veth addon missing: ip is run through nsenter instead'),
  );
}

export interface VethPlug {
  holderPid: number;
  /** The container's init pid (its network namespace). */
  pid: number;
  hostVeth: string;
  bridge: string;
  ifname: string;
  mac: string;
  /** ADDRESS/PREFIX */
  addressCidr: string;
  /** Default route via this gateway (unset for internal networks and secondary interfaces). */
  gateway?: string;
  /** IPv6-enabled networks: ADDRESS6/PREFIX6, and the IPv6 default route's gateway. */
  addressCidr6?: string;
  gateway6?: string;
  mtu: number;
}

/**
 * The veth pair of `v` through rtnetlink (IPv4 and, when given, IPv6 address and default
 * routes); false when the addon is missing. On failure nothing is left behind (the pair is
 * deleted again), and the error's message names the step and carries the kernel's text
 * ("veth attach vethX: IPv6 address: Permission denied").
 */
export async function nativeVethAttach(v: VethPlug): Promise<boolean> {
  const a = load();
  if (!a) return false;
  const [address = '', prefix = '32'] = v.addressCidr.split('/');
  const [address6 = '', prefix6 = '128'] = (v.addressCidr6 ?? '').split('/');
  const t0 = performance.now();
  await a.attach({
    holderNs: netnsPath(v.holderPid),
    containerNs: netnsPath(v.pid),
    hostVeth: v.hostVeth,
    bridge: v.bridge,
    ifname: v.ifname,
    mac: v.mac,
    address,
    prefix: Number(prefix),
    gateway: v.gateway ?? '',
    mtu: v.mtu,
    address6,
    prefix6: Number(prefix6),
    gateway6: v.gateway6 ?? '',
  });
  log.debug({ hostVeth: v.hostVeth, ms: Math.round((performance.now() - t0) * 10) / 10 }, 'veth attached');
  return true;
}

/** Removes a host-side veth through rtnetlink (a missing one is fine); false without the addon. */
export async function nativeVethDetach(holderPid: number, hostVeth: string): Promise<boolean> {
  const a = load();
  if (!a) return false;
  await a.detach(netnsPath(holderPid), hostVeth);
  return true;
}
