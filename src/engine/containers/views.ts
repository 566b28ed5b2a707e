import type { ContainerInspect, ContainerSummary, MountPoint } from '../../types/container-inspect.js';
import { healthWords } from './healthcheck.js';
import type { LiveContainer } from './live-container.js';
import { configOf, hostConfigOf } from './record.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function mountPoints(c: LiveContainer): MountPoint[] {
  const out: MountPoint[] = [];
  for (const b of hostConfigOf(c.record).Binds ?? []) {
    const [source = '', destination = '', mode = ''] = b.split(':');
    out.push({
      Type: 'bind',
      Source: source,
      Destination: destination,
      Mode: mode,
      RW: !mode.split(',').includes('ro'),
      Propagation: 'rprivate',
    });
  }
  return out;
}

function networks(c: LiveContainer): Record<string, unknown> {
  const mode = hostConfigOf(c.record).NetworkMode ?? 'bridge';
  const name = mode === 'default' ? 'bridge' : mode;
  return {
    [name]: {
      IPAMConfig: null,
      Links: null,
      Aliases: null,
      MacAddress: '',
      NetworkID: '',
      EndpointID: '',
      Gateway: '',
      IPAddress: '',
      IPPrefixLen: 0,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DNSNames: null,
    },
  };
}

/** Docker's human status: "Up 5 seconds", "Exited (0) 2 minutes ago", "Created". */
export function humanStatus(c: LiveContainer, now = Date.now()): string {
  const s = c.state;
  const ago = (iso: string) => humanDuration((now - Date.parse(iso)) / 1000);
  switch (s.status) {
    case 'running':
      return s.health ? `Up ${ago(s.startedAt)} (${healthWords(s.health)})` : `Up ${ago(s.startedAt)}`;
    case 'paused':
      return `Up ${ago(s.startedAt)} (Paused)`;
    case 'exited':
      return s.finishedAt === ZERO_TIME ? 'Created' : `Exited (${s.exitCode}) ${ago(s.finishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return 'Created';
  }
}

function humanDuration(sec: number): string {
  if (sec < 1) return 'Less than a second';
  if (sec < 2) return '1 second';
  if (sec < 60) return `${Math.floor(sec)} seconds`;
  const min = sec / 60;
  if (min < 2) return 'About a minute';
  if (min < 60) return `${Math.floor(min)} minutes`;
  const h = min / 60;
  if (h < 2) return 'About an hour';
  if (h < 48) return `${Math.floor(h)} hours`;
  const d = h / 24;
  if (d < 14) return `${Math.floor(d)} days`;
  if (d < 60) return `${Math.floor(d / 7)} weeks`;
  return `${Math.floor(d / 30)} months`;
}

export function inspectView(c: LiveContainer): ContainerInspect {
  const s = c.state;
  const hc = hostConfigOf(c.record);
  return {
    Id: c.id,
    Created: c.record.created,
    Path: c.record.path,
    Args: c.record.args,
    State: {
      Status: s.status,
      Running: s.status === 'running' || s.status === 'paused',
      Paused: s.status === 'paused',
      Restarting: s.status === 'restarting',
      OOMKilled: s.oomKilled,
      Dead: s.status === 'dead',
      Pid: s.status === 'running' ? s.pid : 0,
      ExitCode: s.exitCode,
      Error: s.error,
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
      ...(s.health && configOf(c.record).Healthcheck ? { Health: s.health } : {}),
    },
    Image: c.record.imageId,
    ResolvConfPath: c.paths.resolvConf,
    HostnamePath: c.paths.hostname,
    HostsPath: c.paths.hosts,
    LogPath: c.paths.log,
    Name: c.record.name,
    RestartCount: s.restartCount ?? 0,
    Driver: c.record.driver,
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: { ...hc, Binds: hc.Binds ?? null },
    GraphDriver: { Name: c.record.driver, Data: { MergedDir: c.paths.rootfs } },
    Mounts: mountPoints(c),
    Config: { ...configOf(c.record) },
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      SandboxKey: '',
      Ports: {},
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: '',
      Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: '',
      IPPrefixLen: 0,
      IPv6Gateway: '',
      MacAddress: '',
      Networks: networks(c),
    },
  };
}

function shellJoin(args: string[]): string {
  return args.map((a) => (/[\s"'\\]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

export function summaryView(c: LiveContainer): ContainerSummary {
  const config = configOf(c.record);
  return {
    Id: c.id,
    Names: [c.record.name],
    Image: c.record.image || c.record.imageId,
    ImageID: c.record.imageId,
    Command: shellJoin([c.record.path, ...c.record.args]),
    Created: Math.floor(Date.parse(c.record.created) / 1000),
    Ports: [],
    Labels: config.Labels ?? {},
    State: c.state.status,
    Status: humanStatus(c),
    HostConfig: { NetworkMode: hostConfigOf(c.record).NetworkMode ?? 'bridge' },
    NetworkSettings: { Networks: networks(c) },
    Mounts: mountPoints(c),
  };
}
