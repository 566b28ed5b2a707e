import { access, constants } from 'node:fs/promises';
import { run } from './exec.js';

const CANDIDATES = ['/usr/sbin/getcap', '/sbin/getcap', '/usr/bin/getcap', '/bin/getcap'];

async function findGetcap(): Promise<string | undefined> {
  for (const path of CANDIDATES) {
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/**
 * The file capabilities of a program as `getcap` prints them (e.g. `cap_setuid=ep`), an
 * empty string when it has none, or undefined when getcap is not installed or failed.
 */
export async function fileCapabilities(path: string): Promise<string | undefined> {
  const getcap = await findGetcap();
  if (!getcap) return undefined;
  try {
    const { stdout } = await run(getcap, [path], { timeoutMs: 5000 });
    // getcap prints "PATH CAPS" (libcap 2.4x) or "PATH = CAPS" (older).
    const line = stdout.trim();
    if (!line) return '';
    return line
      .slice(path.length)
      .replace(/^\s*=?\s*/, '')
      .trim();
  } catch {
    return undefined;
  }
}
