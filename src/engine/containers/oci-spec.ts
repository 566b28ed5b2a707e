import { InvalidParameter } from '../../errdefs/index.js';
import type { HostConfig } from '../../types/container-create.js';
import type { ResolvedUser } from './container-user.js';
import { mergeEnv } from './exec-spec.js';
import { type NamespaceModes, type NamespacePlacement, PRIVATE_NAMESPACES } from './namespace-modes.js';
import type { ContainerPaths } from './paths.js';
import type { RecordConfig } from './record.js';
import { ociSeccomp, parseSeccompProfile, type SeccompProfile } from './seccomp.js';

export const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export const INIT_BINARY = '/usr/bin/catatonit';
const INIT_PATH = '/sbin/docker-init';
const DEFAULT_SHM = 64 * 1024 * 1024;

/** How the container is networked: its own namespace, or joining one by path. */
export type NetworkPlacement = { kind: 'own' } | { kind: 'join'; path: string };

export interface SpecInput {
  config: RecordConfig;
  hostConfig: HostConfig;
  paths: ContainerPaths;
  user: ResolvedUser;
  capabilities: string[];
  network: NetworkPlacement;
  /** Single-id mode: no gid=5 on /dev/pts, only uid 0. */
  singleId: boolean;
  seccomp: SeccompProfile | undefined;
  /** Binds, Mounts and volumes as the volumes module resolved them (replaces parsing Binds). */
  userMounts?: OciMount[];
  /** PidMode, IpcMode, UTSMode as resolved at start (private when absent). */
  namespaces?: NamespaceModes;
  /** HostConfig.Devices as bind mounts of the host's nodes (no mknod in a user namespace). */
  devices?: OciMount[];
  /** The variables of its links on the default bridge (link-env.ts). */
  linkedEnv?: string[];
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

function parseBind(bind: string): OciMount {
  const parts = bind.split(':');
  const [source, destination, mode = ''] = parts;
  if (!source || !destination || parts.length > 3)
    throw new InvalidParameter(`invalid volume specification: '${bind}'`);
  if (!source.startsWith('/')) {
    throw new InvalidParameter(`named volumes are not supported yet: '${bind}'`);
  }
  if (!destination.startsWith('/')) {
    throw new InvalidParameter(
      `invalid volume specification: '${bind}': invalid mount config: destination must be an absolute path`,
    );
  }
  const modes = mode.split(',').filter(Boolean);
  const ro = modes.includes('ro');
  const propagation = modes.find((m) => /^r?(shared|slave|private)$/.test(m)) ?? 'rprivate';
  return { destination, type: 'bind', source, options: ['rbind', ro ? 'ro' : 'rw', propagation] };
}

function tmpfsMounts(tmpfs: Record<string, string>): OciMount[] {
  return Object.entries(tmpfs).map(([destination, opts]) => ({
    destination,
    type: 'tmpfs',
    source: 'tmpfs',
    options: ['nosuid', 'nodev', 'noexec', ...opts.split(',').filter(Boolean)],
  }));
}

/** The default mounts Docker gives every container, then the container's files and binds. */
function mounts(input: SpecInput): OciMount[] {
  const hc = input.hostConfig;
  const shm = hc.ShmSize && hc.ShmSize > 0 ? hc.ShmSize : DEFAULT_SHM;
  const ptsOptions = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'];
  if (!input.singleId) ptsOptions.push('gid=5');
  // As Docker: /sys is writable in a privileged container (what the user namespace allows).
  const sysMode = hc.Privileged ? 'rw' : 'ro';
  const sys: OciMount =
    input.network.kind === 'own'
      ? {
          destination: '/sys',
          type: 'sysfs',
          source: 'sysfs',
          options: ['nosuid', 'noexec', 'nodev', sysMode],
        }
      : {
          destination: '/sys',
          type: 'bind',
          source: '/sys',
          options: ['rbind', 'nosuid', 'noexec', 'nodev', sysMode],
        };
  const ns = input.namespaces ?? PRIVATE_NAMESPACES;
  // A new procfs needs a pid namespace owned by our user namespace; the host's is bound instead.
  const proc: OciMount =
    ns.pid.kind === 'host'
      ? {
          destination: '/proc',
          type: 'bind',
          source: '/proc',
          options: ['rbind', 'nosuid', 'noexec', 'nodev'],
        }
      : { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] };
  const mqueue: OciMount =
    ns.ipc.kind === 'host'
      ? {
          destination: '/dev/mqueue',
          type: 'bind',
          source: '/dev/mqueue',
          options: ['rbind', 'nosuid', 'noexec', 'nodev'],
        }
      : {
          destination: '/dev/mqueue',
          type: 'mqueue',
          source: 'mqueue',
          options: ['nosuid', 'noexec', 'nodev'],
        };
  const shmBind = ns.ipc.kind === 'host' ? '/dev/shm' : ns.shmSource;
  const shmMount: OciMount[] = ns.noShm
    ? []
    : shmBind
      ? [
          {
            destination: '/dev/shm',
            type: 'bind',
            source: shmBind,
            options: ['rbind', 'nosuid', 'noexec', 'nodev'],
          },
        ]
      : [
          {
            destination: '/dev/shm',
            type: 'tmpfs',
            source: 'shm',
            options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shm}`],
          },
        ];
  const list: OciMount[] = [
    proc,
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ptsOptions },
    sys,
    mqueue,
    ...shmMount,
    {
      destination: '/etc/resolv.conf',
      type: 'bind',
      source: input.paths.resolvConf,
      options: ['rbind', 'rprivate'],
    },
    {
      destination: '/etc/hostname',
      type: 'bind',
      source: input.paths.hostname,
      options: ['rbind', 'rprivate'],
    },
    { destination: '/etc/hosts', type: 'bind', source: input.paths.hosts, options: ['rbind', 'rprivate'] },
  ];
  if (hc.Init)
    list.push({ destination: INIT_PATH, type: 'bind', source: INIT_BINARY, options: ['rbind', 'ro'] });
  list.push(...(input.devices ?? []));
  if (input.userMounts) list.push(...input.userMounts);
  else for (const b of hc.Binds ?? []) list.push(parseBind(b));
  list.push(...tmpfsMounts(hc.Tmpfs ?? {}));
  return list;
}

/** Refuses, at create as Docker does, a `SecurityOpt` entry that start would refuse. */
export function validateSecurityOpts(hc: HostConfig): void {
  securityOpts(hc);
}

function securityOpts(hc: HostConfig): {
  unconfined: boolean;
  noNewPrivileges: boolean;
  profile?: SeccompProfile;
} {
  let unconfined = false;
  let noNewPrivileges = false;
  let profile: SeccompProfile | undefined;
  for (const opt of hc.SecurityOpt ?? []) {
    const [key = '', value = ''] = opt.includes('=') ? opt.split(/=(.*)/s) : opt.split(/:(.*)/s);
    if (key === 'seccomp' && value === 'unconfined') unconfined = true;
    else if (key === 'seccomp' && value === 'builtin') profile = undefined;
    // The CLI sends a profile file's text in place of its path.
    else if (key === 'seccomp' && value.trimStart().startsWith('{')) profile = parseSeccompProfile(value);
    else if (key === 'no-new-privileges') noNewPrivileges = value === '' || value === 'true';
    else if (key === 'apparmor' || key === 'label') continue;
    else throw new InvalidParameter(`Invalid --security-opt: ${JSON.stringify(opt)}`);
  }
  return { unconfined, noNewPrivileges, ...(profile ? { profile } : {}) };
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A process's environment as Docker makes it (CreateDaemonEnvironment): the default PATH,
 * HOSTNAME, TERM=xterm with a tty, the legacy links' variables (link-env.ts), then the
 * container's Config.Env over them.
 */
export function daemonEnvironment(
  config: { Env?: readonly string[] | null; Hostname?: string | null },
  tty: boolean,
  linked: readonly string[] = [],
): string[] {
  const base = [DEFAULT_PATH, `HOSTNAME=${config.Hostname ?? ''}`, ...(tty ? ['TERM=xterm'] : []), ...linked];
  return mergeEnv(base, config.Env ?? []);
}

/** The OCI runtime spec (config.json of the bundle) of a container. */
export function buildSpec(input: SpecInput): Record<string, unknown> {
  const { config, hostConfig: hc, user } = input;
  const args = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (args.length === 0) throw new InvalidParameter('no command specified');
  const sec = securityOpts(hc);
  const caps = input.capabilities;
  const env = daemonEnvironment(config, config.Tty === true, input.linkedEnv);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);
  const ns = input.namespaces ?? PRIVATE_NAMESPACES;
  const entry = (type: string, p: NamespacePlacement) =>
    p.kind === 'host' ? [] : p.kind === 'join' ? [{ type, path: p.path }] : [{ type }];
  const namespaces: Array<{ type: string; path?: string }> = [
    ...entry('pid', ns.pid),
    ...entry('ipc', ns.ipc),
    ...entry('uts', ns.uts),
    { type: 'mount' },
    input.network.kind === 'own' ? { type: 'network' } : { type: 'network', path: input.network.path },
  ];
  const linux: Record<string, unknown> = {
    namespaces,
    maskedPaths: hc.Privileged ? [] : MASKED_PATHS,
    readonlyPaths: hc.Privileged ? [] : READONLY_PATHS,
  };
  if (hc.Sysctls && Object.keys(hc.Sysctls).length > 0) linux.sysctl = { ...hc.Sysctls };
  const profile = sec.profile ?? input.seccomp;
  if (profile && !sec.unconfined && !hc.Privileged) linux.seccomp = ociSeccomp(profile, caps);
  const rlimits = (hc.Ulimits ?? []).map((u) => ({
    type: `RLIMIT_${u.Name.toUpperCase()}`,
    hard: u.Hard,
    soft: u.Soft,
  }));
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: Boolean(config.Tty),
      user: {
        uid: user.uid,
        gid: user.gid,
        ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}),
      },
      args: hc.Init ? [INIT_PATH, '--', ...args] : args,
      env,
      cwd: config.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      // No default RLIMIT_NOFILE: raising it past the user's own hard limit is not permitted.
      ...(rlimits.length ? { rlimits } : {}),
      noNewPrivileges: sec.noNewPrivileges,
    },
    root: { path: input.paths.rootfs, readonly: Boolean(hc.ReadonlyRootfs) },
    // A shared UTS namespace keeps its owner's names: runc refuses a hostname without its own.
    ...(ns.uts.kind === 'own'
      ? { hostname: config.Hostname ?? '', ...(config.Domainname ? { domainname: config.Domainname } : {}) }
      : {}),
    mounts: mounts(input),
    linux,
  };
}
