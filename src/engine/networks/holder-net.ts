import { ip, ipBatch, linkNames } from '../../drivers/ip.js';
import { iptablesRestore } from '../../drivers/iptables.js';
import { netnsPath, setNetSysctl, setNetSysctls } from '../../drivers/netns.js';
import { nftApply } from '../../drivers/nft.js';
import { SLIRP_NETWORK6 } from '../../drivers/slirp4netns.js';
import { nativeVethAttach, nativeVethDetach, type VethPlug } from '../../drivers/veth.js';
import { Internal } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { chooseFirewall, type Firewall, type FirewallBackend } from './firewall.js';
import { renderIp6tables, renderIptables } from './iptables-ruleset.js';
import { type BridgeRuleInput, RELAY_MARK, renderRuleset, renderRuleset6 } from './nft-ruleset.js';

const log = moduleLogger('networks.holder');

export interface BridgeSpec {
  name: string;
  /** Gateway address with prefix, e.g. 172.18.0.1/16. */
  gatewayCidr: string;
  /** The IPv6 gateway with prefix on IPv6-enabled networks, e.g. fd00:dead:beef::1/64. */
  gatewayCidr6?: string;
  mtu: number;
}

/** A container's veth pair in the holder's network (the driver's plug, minus the holder). */
export type VethSpec = Omit<VethPlug, 'holderPid'>;

/**
 * The container network (the holder's network namespace): bridges, veth pairs and the nft
 * table (or the iptables tables where nft is missing), programmed with iproute2 and nft run
 * through nsenter.
 */
export class HolderNet {
  private chosen: Promise<Firewall> | undefined;

  constructor(
    readonly holderPid: number,
    private readonly firewallBackend?: FirewallBackend,
  ) {}

  /** nft, or iptables where nft is missing (daemon.json `firewall-backend` chooses). */
  firewall(): Promise<Firewall> {
    this.chosen ??= chooseFirewall(this.firewallBackend).then((fw) => {
      log.info({ firewall: fw.kind, ipv6: fw.ipv6 }, 'firewall backend');
      return fw;
    });
    return this.chosen;
  }

  get path(): string {
    return netnsPath(this.holderPid);
  }

  /**
   * ip_forward and loopback; run once when the engine starts. Also the routing that lets the
   * port relay dial containers from the client's own address (IP_TRANSPARENT): replies to a
   * connection the relay made from a foreign address carry ct mark RELAY_MARK (nft, see
   * nft-ruleset.ts), get it as packet mark, and are routed to the local stack by table
   * RELAY_MARK instead of out of the uplink; tcp_fwmark_accept marks accepted sockets alike.
   * The same routing for IPv6 (ip -6 rule and table), for IPv6 clients of published ports.
   */
  async init(): Promise<void> {
    await setNetSysctl(this.holderPid, 'net.ipv4.ip_forward', '1');
    await ipBatch(this.holderPid, [['link', 'set', 'lo', 'up']]);
    const v4 = async () => {
      await setNetSysctl(this.holderPid, 'net.ipv4.tcp_fwmark_accept', '1');
      await this.relayRouting(false);
    };
    await Promise.all([
      v4().catch((err: unknown) =>
        log.warn({ err }, 'published ports will not keep client addresses: relay routing failed'),
      ),
      this.relayRouting(true).catch((err: unknown) =>
        log.warn({ err }, 'published ports will not keep IPv6 client addresses: relay routing failed'),
      ),
    ]);
    await this.initIpv6().catch((err: unknown) =>
      log.warn({ err }, 'IPv6 forwarding not enabled: IPv6 networks will not route'),
    );
  }

  /** Table RELAY_MARK routes everything to the local stack; marked packets look it up. */
  private async relayRouting(inet6: boolean): Promise<void> {
    const mark = String(RELAY_MARK);
    const rules = await ip(this.holderPid, [...(inet6 ? ['-6'] : []), 'rule', 'show']);
    const cmds = [['route', 'replace', 'local', inet6 ? '::/0' : '0.0.0.0/0', 'dev', 'lo', 'table', mark]];
    if (!rules.includes(`fwmark 0x${RELAY_MARK.toString(16)} lookup ${mark}`))
      cmds.push(['rule', 'add', 'fwmark', mark, 'lookup', mark]);
    await ipBatch(this.holderPid, cmds, { inet6 });
  }

  /**
   * IPv6 forwarding between bridges and out of the uplink. slirp4netns --enable-ipv6 gives
   * tap0 a SLAAC address in fd00::/64 and a default route via fe80::2 by router
   * advertisements; a forwarding namespace ignores those unless accept_ra is 2, so that is set
   * first (the address and route are then kept up to date by slirp's adverts).
   */
  private async initIpv6(): Promise<void> {
    // Without IPv6 rules (iptables without ip6tables) nothing is forwarded over IPv6 at all, so
    // that bridges stay isolated; IPv6 networks are refused then (NetworkCore.create).
    if (!(await this.firewall()).ipv6) {
      log.warn('ip6tables-restore not found: IPv6 networks are refused and IPv6 is not forwarded');
      return;
    }
    // One run; accept_ra first. Without tap0 (no slirp4netns) that key fails, the other is set.
    const tap0 = await setNetSysctls(this.holderPid, {
      'net.ipv6.conf.tap0.accept_ra': '2',
      'net.ipv6.conf.all.forwarding': '1',
    }).then(
      () => true,
      async () => {
        await setNetSysctl(this.holderPid, 'net.ipv6.conf.all.forwarding', '1');
        return false;
      },
    );
    // slirp4netns's IPv6 side is fixed (prefix fd00::/64, router fe80::2), but the kernel learns
    // it only from a router advertisement, which waits for tap0's duplicate address detection:
    // seconds after start, longer under load, and until then containers had no IPv6 way out.
    // The address (fd00::100, as 10.0.2.100) and the default route are set now; a later
    // advertisement only adds its own address and refreshes the route.
    if (tap0)
      await ipBatch(
        this.holderPid,
        [
          ['addr', 'replace', `${SLIRP_NETWORK6.address}/64`, 'dev', 'tap0', 'nodad'],
          ['route', 'replace', 'default', 'via', SLIRP_NETWORK6.router, 'dev', 'tap0'],
        ],
        { inet6: true },
      );
  }

  async ensureBridges(bridges: readonly BridgeSpec[]): Promise<void> {
    const existing = new Set(await linkNames(this.holderPid));
    const cmds: string[][] = [];
    for (const b of bridges) {
      if (existing.has(b.name)) {
        // The default bridge may have been made IPv6-enabled since (daemon.json `ipv6`).
        if (b.gatewayCidr6) cmds.push(['addr', 'replace', b.gatewayCidr6, 'dev', b.name, 'nodad']);
        continue;
      }
      cmds.push(['link', 'add', b.name, 'type', 'bridge']);
      cmds.push(['link', 'set', b.name, 'mtu', String(b.mtu)]);
      cmds.push(['addr', 'add', b.gatewayCidr, 'dev', b.name]);
      if (b.gatewayCidr6) cmds.push(['addr', 'add', b.gatewayCidr6, 'dev', b.name, 'nodad']);
      cmds.push(['link', 'set', b.name, 'up']);
    }
    await ipBatch(this.holderPid, cmds);
  }

  async removeBridge(name: string): Promise<void> {
    await ipBatch(this.holderPid, [['link', 'del', name]]).catch((err: unknown) =>
      log.warn({ err, bridge: name }, 'bridge removal failed'),
    );
  }

  async applyRules(bridges: readonly BridgeRuleInput[]): Promise<void> {
    const fw = await this.firewall();
    if (fw.kind === 'nftables' || !fw.iptables) {
      await nftApply(this.holderPid, renderRuleset(bridges) + renderRuleset6(bridges));
      return;
    }
    await iptablesRestore(this.holderPid, fw.iptables, renderIptables(bridges));
    if (fw.ip6tables) await iptablesRestore(this.holderPid, fw.ip6tables, renderIp6tables(bridges));
  }

  /** A veth pair: one end on the bridge, the other straight into the container as `ifname`. */
  async attach(v: VethSpec): Promise<void> {
    // rtnetlink from the engine when our addon is there (IPv4 and IPv6): no spawn; it removes
    // the pair itself when a step fails. Else two `ip -batch` runs and a sysctl one.
    let plugged: boolean;
    try {
      plugged = await nativeVethAttach({ holderPid: this.holderPid, ...v });
    } catch (err) {
      throw new Internal((err as Error).message, { cause: err });
    }
    if (plugged) return;
    await this.attachWithIp(v);
  }

  /** The same as the addon does, with `ip -batch` (and `sysctl`) through nsenter. */
  async attachWithIp(v: VethSpec): Promise<void> {
    await ipBatch(this.holderPid, [
      [
        'link',
        'add',
        v.hostVeth,
        'mtu',
        String(v.mtu),
        'type',
        'veth',
        'peer',
        'name',
        v.ifname,
        'mtu',
        String(v.mtu),
        'address',
        v.mac,
        'netns',
        String(v.pid),
      ],
      ['link', 'set', v.hostVeth, 'master', v.bridge],
      ['link', 'set', v.hostVeth, 'up'],
    ]);
    // IPv6 on the interface only on IPv6 networks, set before it comes up (as the addon does).
    try {
      await setNetSysctl(v.pid, `net.ipv6.conf.${v.ifname}.disable_ipv6`, v.addressCidr6 ? '0' : '1');
    } catch (err) {
      log.warn({ err, ifname: v.ifname }, 'IPv6 setting of the container interface failed');
    }
    const inside: string[][] = [
      ['link', 'set', 'lo', 'up'],
      ['addr', 'add', v.addressCidr, 'dev', v.ifname],
      ['link', 'set', v.ifname, 'up'],
    ];
    if (v.addressCidr6) inside.push(['addr', 'add', v.addressCidr6, 'dev', v.ifname, 'nodad']);
    if (v.gateway) inside.push(['route', 'replace', 'default', 'via', v.gateway, 'dev', v.ifname]);
    if (v.gateway6) inside.push(['route', 'replace', 'default', 'via', v.gateway6, 'dev', v.ifname]);
    try {
      await ipBatch(v.pid, inside);
    } catch (err) {
      await this.detach(v.hostVeth);
      throw err;
    }
  }

  /** Removes a host-side veth (its peer goes with it); a missing one is fine. */
  async detach(hostVeth: string): Promise<void> {
    const done = await nativeVethDetach(this.holderPid, hostVeth).catch((err: unknown) => {
      log.warn({ err, hostVeth }, 'veth removal failed');
      return true;
    });
    if (done) return;
    await ipBatch(this.holderPid, [['link', 'del', hostVeth]]).catch(() => undefined);
  }
}
