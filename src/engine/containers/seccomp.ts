import { readFile } from 'node:fs/promises';

/** The containers-common profile (Docker's format: includes/excludes by caps and arch). */
export const DEFAULT_SECCOMP_PATH = '/usr/share/containers/seccomp.json';

interface Filter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

interface ProfileSyscall {
  names?: string[];
  name?: string;
  action: string;
  args?: unknown[] | null;
  errnoRet?: number;
  includes?: Filter;
  excludes?: Filter;
}

interface Profile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
  syscalls?: ProfileSyscall[];
}

const ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';
const SCMP_ARCH = process.arch === 'arm64' ? 'SCMP_ARCH_AARCH64' : 'SCMP_ARCH_X86_64';

/** Turns a Docker-format profile into the OCI `linux.seccomp` section for these caps. */
export function ociSeccomp(profile: Profile, caps: readonly string[]): Record<string, unknown> {
  const arches = profile.archMap?.find((a) => a.architecture === SCMP_ARCH);
  const syscalls: Record<string, unknown>[] = [];
  for (const s of profile.syscalls ?? []) {
    const inc = s.includes ?? {};
    const exc = s.excludes ?? {};
    if (inc.arches && !inc.arches.includes(ARCH)) continue;
    if (exc.arches?.includes(ARCH)) continue;
    if (inc.caps && !inc.caps.every((c) => caps.includes(c))) continue;
    if (exc.caps?.some((c) => caps.includes(c))) continue;
    const names = s.names ?? (s.name ? [s.name] : []);
    if (names.length === 0) continue;
    syscalls.push({
      names,
      action: s.action,
      ...(s.args ? { args: s.args } : {}),
      ...(s.errnoRet !== undefined ? { errnoRet: s.errnoRet } : {}),
    });
  }
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    architectures: arches ? [arches.architecture, ...(arches.subArchitectures ?? [])] : [SCMP_ARCH],
    syscalls,
  };
}

let cached: Profile | null | undefined;

/** The default profile, or undefined when the file is absent. */
export async function loadDefaultSeccomp(): Promise<Profile | undefined> {
  if (cached === undefined) {
    try {
      cached = JSON.parse(await readFile(DEFAULT_SECCOMP_PATH, 'utf8')) as Profile;
    } catch {
      cached = null;
    }
  }
  return cached ?? undefined;
}

export async function loadSeccompFile(text: string): Promise<Profile> {
  return JSON.parse(text) as Profile;
}

export type SeccompProfile = Profile;
