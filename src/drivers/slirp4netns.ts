import type { ResultPromise } from 'execa';
import { spawn } from './exec.js';

export interface Slirp4netnsOptions {
  /** The process whose network namespace gets tap0 (the holder). */
  targetPid: number;
  mtu: number;
  apiSocket: string;
  /** Where 10.0.2.2 leads: the host's loopback unless disabled. */
  disableHostLoopback?: boolean;
  /** --enable-sandbox/--enable-seccomp (supported by slirp4netns ≥ 0.4). */
  sandbox?: boolean;
  /** --enable-ipv6: tap0 gets fd00::/64 by router advertisement, fd00::2 leads to the host's ::1. */
  ipv6?: boolean;
  tap?: string;
}

/** slirp4netns's fixed addresses with --configure and the default CIDR. */
export const SLIRP_NETWORK = {
  cidr: '10.0.2.0/24',
  address: '10.0.2.100',
  gateway: '10.0.2.2',
  dns: '10.0.2.3',
} as const;

/**
 * slirp4netns's fixed IPv6 side with --enable-ipv6: the prefix it advertises, the address tap0
 * is given here (as 10.0.2.100), its router's link-local address, and where the host's ::1 is.
 */
export const SLIRP_NETWORK6 = {
  prefix: 'fd00::/64',
  address: 'fd00::100',
  router: 'fe80::2',
  host: 'fd00::2',
} as const;

/** The fds the launcher passes: slirp4netns writes "1" on READY_FD, and exits when EXIT_FD closes. */
export const SLIRP_READY_FD = 3;
export const SLIRP_EXIT_FD = 4;

export function slirp4netnsArgs(options: Slirp4netnsOptions): string[] {
  return [
    '--configure',
    `--mtu=${options.mtu}`,
    ...(options.disableHostLoopback ? ['--disable-host-loopback'] : []),
    ...(options.ipv6 ? ['--enable-ipv6'] : []),
    ...(options.sandbox === false ? [] : ['--enable-sandbox', '--enable-seccomp']),
    '--api-socket',
    options.apiSocket,
    `--ready-fd=${SLIRP_READY_FD}`,
    `--exit-fd=${SLIRP_EXIT_FD}`,
    String(options.targetPid),
    options.tap ?? 'tap0',
  ];
}

/**
 * Starts slirp4netns. Its fd 3 is the ready pipe (read `child.stdio[3]`), its fd 4 the exit
 * pipe: while the caller holds it open slirp4netns runs, so it dies with its parent.
 */
export function spawnSlirp4netns(options: Slirp4netnsOptions): ResultPromise {
  return spawn('slirp4netns', slirp4netnsArgs(options), {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    detached: true,
    buffer: false,
  });
}
