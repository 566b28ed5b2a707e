import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { probe } from './exec.js';

/** A helper program's version as it reports it. */
export interface ProgramVersion {
  name: string;
  /** Absolute path of the program found, if any. */
  path?: string;
  /** The version, e.g. "1.1.5+ds1"; undefined when the program is missing or mute. */
  version?: string;
  /** Other "key: value" lines of its output (commit, go, libseccomp, …). */
  details: Record<string, string>;
}

export const HELPER_PROGRAMS = ['runc', 'conmon', 'fuse-overlayfs', 'slirp4netns'] as const;
export type HelperProgram = (typeof HELPER_PROGRAMS)[number];

const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin'];

/** Finds a program in PATH, then in the sbin folders (runc lives in /usr/sbin on Debian). */
export async function findProgram(
  name: string,
  pathEnv = process.env.PATH ?? '',
): Promise<string | undefined> {
  const dirs = [...pathEnv.split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of new Set(dirs)) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Parses `--version` output. Handles "runc version 1.1.5", "conmon version 2.1.6",
 * "fuse-overlayfs: version 1.10" (after "fusermount3 version: …"), "slirp4netns version
 * 1.2.0", plus "key: value" detail lines.
 */
export function parseVersionOutput(
  name: string,
  output: string,
): { version?: string; details: Record<string, string> } {
  const details: Record<string, string> = {};
  let version: string | undefined;
  const own = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}:?\\s+version:?\\s+(\\S+)`, 'i');
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = own.exec(line);
    if (m?.[1]) {
      version = m[1];
      continue;
    }
    const kv = /^([A-Za-z][\w .-]*?):\s+(.+)$/.exec(line);
    if (kv?.[1] && kv[2]) details[kv[1].trim()] = kv[2].trim();
  }
  if (version === undefined) {
    const any = /version:?\s+v?(\d+(?:\.\d+)+\S*)/i.exec(output);
    if (any?.[1]) version = any[1];
  }
  return version === undefined ? { details } : { version, details };
}

/** Runs `<program> --version` (through the exec driver) and parses it. */
export async function programVersion(name: string): Promise<ProgramVersion> {
  const path = await findProgram(name);
  if (!path) return { name, details: {} };
  const result = await probe(path, ['--version']);
  if (!result) return { name, path, details: {} };
  // fuse-overlayfs prints its version on stderr with some builds; read both.
  const parsed = parseVersionOutput(name, `${result.stdout}\n${result.stderr}`);
  return { name, path, ...parsed };
}

/** The versions of every helper program, probed in parallel. */
export async function helperVersions(): Promise<ProgramVersion[]> {
  return Promise.all(HELPER_PROGRAMS.map((name) => programVersion(name)));
}
