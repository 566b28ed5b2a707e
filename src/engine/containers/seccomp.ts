import { readFile } from 'node:fs/promises';
import { InvalidParameter } from '../../errdefs/index.js';

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
  /** The OCI form: the architectures themselves (a profile has this or `archMap`). */
  architectures?: string[];
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
    architectures: arches
      ? [arches.architecture, ...(arches.subArchitectures ?? [])]
      : profile.architectures?.length
        ? profile.architectures
        : [SCMP_ARCH],
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

/**
 * A profile sent with `--security-opt seccomp=<file>` (the CLI sends the file's text), in
 * Docker's format or the OCI one; refused with Docker's message when it cannot be one.
 */
export function parseSeccompProfile(text: string): Profile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidParameter(`Decoding seccomp profile failed: ${(err as Error).message}`);
  }
  const p = parsed as Partial<Profile> | null;
  if (!p || typeof p !== 'object' || Array.isArray(p))
    throw new InvalidParameter('Decoding seccomp profile failed: the profile is not a JSON object');
  if (typeof p.defaultAction !== 'string' || p.defaultAction === '')
    throw new InvalidParameter('Decoding seccomp profile failed: defaultAction is missing');
  if (p.archMap?.length && p.architectures?.length)
    throw new InvalidParameter(
      "'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  if (p.syscalls !== undefined && p.syscalls !== null && !Array.isArray(p.syscalls))
    throw new InvalidParameter('Decoding seccomp profile failed: syscalls must be a list');
  for (const s of p.syscalls ?? [])
    if (!s || typeof s.action !== 'string')
      throw new InvalidParameter('Decoding seccomp profile failed: every syscall entry needs an action');
  return p as Profile;
}

export type SeccompProfile = Profile;
