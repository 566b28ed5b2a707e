import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism, hostname, machine, release, totalmem } from 'node:os';

export interface CgroupFacts {
  version: '1' | '2';
  /** "systemd", "cgroupfs", or "none" when a rootless engine cannot use cgroups (v1). */
  driver: string;
  /** Controllers delegated to the engine's own cgroup (v2), empty on v1. */
  controllers: string[];
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * cgroup v2 when /sys/fs/cgroup is the unified tree (a hybrid host counts as v1, as in
 * Docker). On v2 the delegated controllers are those of the engine's own cgroup.
 */
export async function detectCgroups(root = '/sys/fs/cgroup'): Promise<CgroupFacts> {
  if (!existsSync(`${root}/cgroup.controllers`)) return { version: '1', driver: 'none', controllers: [] };
  const self = (await readText('/proc/self/cgroup')) ?? '';
  const line = self.split('\n').find((l) => l.startsWith('0::'));
  const path = line ? line.slice(3).trim() : '/';
  const controllers = ((await readText(`${root}${path === '/' ? '' : path}/cgroup.controllers`)) ?? '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const driver = existsSync('/run/systemd/system') ? 'systemd' : 'cgroupfs';
  return { version: '2', driver, controllers };
}

/** Docker's warnings for what the cgroup setup cannot limit. */
export function cgroupWarnings(facts: CgroupFacts): string[] {
  if (facts.version === '1') {
    return [
      'WARNING: Running in rootless-mode without cgroups. To enable cgroups in rootless-mode, you need to boot the system in cgroup v2 mode.',
    ];
  }
  const has = (c: string) => facts.controllers.includes(c);
  const warnings: string[] = [];
  if (!has('memory')) warnings.push('WARNING: No memory limit support', 'WARNING: No swap limit support');
  if (!has('cpu'))
    warnings.push(
      'WARNING: No cpu cfs quota support',
      'WARNING: No cpu cfs period support',
      'WARNING: No cpu shares support',
    );
  if (!has('cpuset')) warnings.push('WARNING: No cpuset support');
  if (!has('pids')) warnings.push('WARNING: No pids limit support');
  if (!has('io')) warnings.push('WARNING: No io.weight support', 'WARNING: No io.max (rbps) support');
  return warnings;
}

export interface OsRelease {
  prettyName: string;
  versionId: string;
}

export async function readOsRelease(): Promise<OsRelease> {
  const text = (await readText('/etc/os-release')) ?? (await readText('/usr/lib/os-release')) ?? '';
  const get = (key: string) => {
    const m = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
    return m?.[1] ? m[1].trim().replace(/^["']|["']$/g, '') : undefined;
  };
  return { prettyName: get('PRETTY_NAME') ?? 'Linux', versionId: get('VERSION_ID') ?? '' };
}

/** Go's names for Node's architectures (what `docker version` shows as Arch). */
export function goArch(arch: string = process.arch): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    ia32: '386',
    arm64: 'arm64',
    arm: 'arm',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  return map[arch] ?? arch;
}

export async function openFileCount(): Promise<number> {
  try {
    return (await readdir('/proc/self/fd')).length;
  } catch {
    return 0;
  }
}

export async function ipv4Forwarding(): Promise<boolean> {
  return (await readText('/proc/sys/net/ipv4/ip_forward'))?.trim() === '1';
}

export interface MachineFacts {
  kernelVersion: string;
  architecture: string;
  ncpu: number;
  memTotal: number;
  hostname: string;
}

export function machineFacts(): MachineFacts {
  return {
    kernelVersion: release(),
    architecture: machine(),
    ncpu: availableParallelism(),
    memTotal: totalmem(),
    hostname: hostname(),
  };
}

export const SECCOMP_PROFILE_PATH = '/usr/share/containers/seccomp.json';

/** The seccomp profile containers get: the distro's containers-common file, else builtin. */
export function seccompProfile(): string {
  return existsSync(SECCOMP_PROFILE_PATH) ? SECCOMP_PROFILE_PATH : 'builtin';
}
