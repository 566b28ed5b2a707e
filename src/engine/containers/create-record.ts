import { InvalidParameter } from '../../errdefs/index.js';
import type { ContainerCreateRequest, HostConfig } from '../../types/container-create.js';
import { capabilitySet } from './capabilities.js';
import { validateDeviceMapping } from './devices.js';
import { mergeHealthcheck, validateHealthcheck } from './healthcheck.js';
import { type ContainerImage, imageRuntimeConfig } from './image-lookup.js';
import { type LogDefaults, resolveLogConfig } from './log-config.js';
import { validateNamespaceModes } from './namespace-modes.js';
import { availableRuntimes, preferredRuntime, type RuntimeName } from './oci-runtime.js';
import { validateSecurityOpts } from './oci-spec.js';
import type { ContainerRecord, RecordConfig } from './record.js';
import { parseRestartPolicy } from './restart-policy.js';

const LIMIT_WARNINGS: Array<[keyof HostConfig, string]> = [
  [
    'Memory',
    'Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.',
  ],
  [
    'MemoryReservation',
    'Your kernel does not support memory soft limit capabilities or the cgroup is not mounted. Limitation discarded.',
  ],
  [
    'MemorySwap',
    'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.',
  ],
  [
    'NanoCpus',
    'Your kernel does not support CPU CFS scheduler or the cgroup is not mounted. NanoCPUs discarded.',
  ],
  ['CpuShares', 'Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.'],
  [
    'CpuPeriod',
    'Your kernel does not support CPU CFS period or the cgroup is not mounted. Period discarded.',
  ],
  ['CpuQuota', 'Your kernel does not support CPU CFS quota or the cgroup is not mounted. Quota discarded.'],
  ['CpusetCpus', 'Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.'],
  ['CpusetMems', 'Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.'],
  [
    'PidsLimit',
    'Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.',
  ],
  [
    'BlkioWeight',
    'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
  ],
  ['OomKillDisable', 'Your kernel does not support OomKillDisable. OomKillDisable discarded.'],
];

function list(v: string | string[] | null | undefined): string[] | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? [v] : v;
}

/** Docker's rule for env: the image's, then the container's override by key. */
const envKey = (e: string): string => e.split('=', 1)[0] ?? e;

/** Docker's merge of Config.Env: the client's entries, then the image's that it does not set. */
function mergeConfigEnv(image: readonly string[], own: readonly string[]): string[] {
  if (own.length === 0) return [...image];
  const keys = new Set(own.map(envKey));
  return [...own, ...image.filter((e) => !keys.has(envKey(e)))];
}

function limitWarnings(hc: HostConfig): string[] {
  const warnings: string[] = [];
  for (const [key, text] of LIMIT_WARNINGS) {
    const v = hc[key];
    if (
      v !== undefined &&
      v !== null &&
      v !== 0 &&
      v !== '' &&
      v !== false &&
      !(key === 'PidsLimit' && v === -1)
    )
      warnings.push(text);
  }
  return warnings;
}

/** Options rootlessd cannot honour yet: a clear 400 rather than silent ignoring. */
function rejectUnsupported(req: ContainerCreateRequest, hc: HostConfig): void {
  validateNamespaceModes(hc, req.Hostname);
  if (hc.UsernsMode)
    throw new InvalidParameter(`UsernsMode "${hc.UsernsMode}" is not supported by rootlessd`);
  for (const d of hc.Devices ?? []) validateDeviceMapping(d);
  validateSecurityOpts(hc);
  const runtime = hc.Runtime ?? '';
  if (runtime !== '' && !availableRuntimes().includes(runtime as RuntimeName))
    throw new InvalidParameter(`unknown or invalid runtime name: ${runtime}`);
  if (hc.Isolation && hc.Isolation !== 'default')
    throw new InvalidParameter(`invalid isolation '${hc.Isolation}' on linux`);
  if (hc.StorageOpt && Object.keys(hc.StorageOpt).length > 0)
    throw new InvalidParameter("--storage-opt is not supported by rootlessd's storage drivers");
  // No device drivers (GPUs) here: Docker's answer when none matches.
  const request = hc.DeviceRequests?.[0];
  if (request) {
    const caps = (request.Capabilities ?? []).map((c) => `[${c.join(' ')}]`).join(' ');
    throw new InvalidParameter(
      `could not select device driver "${request.Driver ?? ''}" with capabilities: [${caps}]`,
    );
  }
  // Docker's ValidateTmpfsMountDestination.
  for (const dest of Object.keys(hc.Tmpfs ?? {})) {
    if (!dest.startsWith('/'))
      throw new InvalidParameter(
        `invalid mount config for type "tmpfs": invalid mount path: '${dest}' mount path must be absolute`,
      );
    if (dest.replace(/\/+$/, '') === '')
      throw new InvalidParameter(
        `invalid mount config for type "tmpfs": invalid specification: destination can't be '/'`,
      );
  }
  const net = hc.NetworkMode ?? '';
  if (net === 'container:')
    throw new InvalidParameter('container mode networking requires a container id or name');
}

export interface NewRecord {
  record: ContainerRecord;
  warnings: string[];
}

/** Docker's create: the request merged with the image's config into a container record. */
export function buildRecord(
  req: ContainerCreateRequest,
  image: ContainerImage,
  ids: { id: string; name: string; driver: string; logDefaults?: LogDefaults },
): NewRecord {
  const hc: HostConfig = { ...(req.HostConfig ?? {}) };
  rejectUnsupported(req, hc);
  const logConfig = resolveLogConfig(hc.LogConfig, ids.logDefaults);
  capabilitySet({ privileged: hc.Privileged, capAdd: hc.CapAdd, capDrop: hc.CapDrop });
  const ic = imageRuntimeConfig(image);
  const warnings = limitWarnings(hc);
  const restartPolicy = parseRestartPolicy(hc.RestartPolicy);
  if (hc.AutoRemove && restartPolicy.name !== 'no')
    throw new InvalidParameter(`Conflicting options: cannot specify both --restart and --rm`);
  validateHealthcheck(req.Healthcheck ?? undefined);
  const healthcheck = mergeHealthcheck(req.Healthcheck, ic.Healthcheck);

  const ownEntrypoint = list(req.Entrypoint);
  const ownCmd = list(req.Cmd);
  // An entrypoint given by the client drops the image's cmd (Docker's rule).
  const entrypoint = ownEntrypoint ?? list(ic.Entrypoint) ?? null;
  const cmd = ownCmd ?? (ownEntrypoint ? null : (list(ic.Cmd) ?? null));
  const effectiveEntrypoint =
    ownEntrypoint && ownEntrypoint.length === 1 && ownEntrypoint[0] === '' ? null : entrypoint;
  const argv = [...(effectiveEntrypoint ?? []), ...(cmd ?? [])];
  if (argv.length === 0) throw new InvalidParameter('no command specified');

  const hostname = req.Hostname || ids.id.slice(0, 12);
  const env = mergeConfigEnv(ic.Env ?? [], req.Env ?? []);
  const config: RecordConfig = {
    ...req,
    Hostname: hostname,
    Domainname: req.Domainname ?? '',
    User: req.User || ic.User || '',
    AttachStdin: req.AttachStdin ?? false,
    AttachStdout: req.AttachStdout ?? false,
    AttachStderr: req.AttachStderr ?? false,
    ExposedPorts: req.ExposedPorts ?? ic.ExposedPorts ?? undefined,
    Tty: req.Tty ?? false,
    OpenStdin: req.OpenStdin ?? false,
    StdinOnce: req.StdinOnce ?? false,
    Env: env,
    Cmd: cmd,
    Entrypoint: effectiveEntrypoint,
    Image: req.Image ?? '',
    Volumes: req.Volumes ?? ic.Volumes ?? undefined,
    WorkingDir: req.WorkingDir || ic.WorkingDir || '',
    Labels: { ...(ic.Labels ?? {}), ...(req.Labels ?? {}) },
    StopSignal: req.StopSignal || ic.StopSignal || undefined,
    Healthcheck: healthcheck as Record<string, unknown> | undefined,
  };
  delete (config as Record<string, unknown>).HostConfig;
  delete (config as Record<string, unknown>).NetworkingConfig;
  const hostConfig: HostConfig = {
    ...hc,
    NetworkMode: !hc.NetworkMode || hc.NetworkMode === 'default' ? 'bridge' : hc.NetworkMode,
    RestartPolicy: hc.RestartPolicy ?? { Name: 'no', MaximumRetryCount: 0 },
    LogConfig: { ...logConfig },
    Runtime: hc.Runtime || preferredRuntime(),
    ShmSize: hc.ShmSize || 64 * 1024 * 1024,
  };
  const record: ContainerRecord = {
    id: ids.id,
    name: ids.name,
    created: new Date().toISOString(),
    image: req.Image ?? '',
    imageId: image.id,
    chainId: image.chainId,
    path: argv[0] as string,
    args: argv.slice(1),
    config: config as Record<string, unknown>,
    hostConfig: hostConfig as Record<string, unknown>,
    networkingConfig: (req.NetworkingConfig ?? undefined) as Record<string, unknown> | undefined,
    driver: ids.driver,
    warnings,
  };
  return { record, warnings };
}
