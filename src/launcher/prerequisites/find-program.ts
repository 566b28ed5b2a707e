import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * Folders searched after PATH: an unprivileged user's PATH often lacks the sbin folders
 * where distributions put runc, nft and iptables. The user unit adds them to PATH too.
 */
export const EXTRA_PROGRAM_DIRS = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
];

/** The absolute path of an executable, searched in PATH and then the sbin folders. */
export async function findProgram(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_PROGRAM_DIRS];
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
