import { readFile } from 'node:fs/promises';

/** The package manager families a Fix names. */
export type PackageFamily = 'apt' | 'dnf' | 'zypper';

export interface DistroInfo {
  id: string;
  idLike: string[];
  prettyName: string;
  /** Undefined when the distribution is not one we know: every family's commands are shown. */
  family?: PackageFamily;
}

/** Parses os-release text (KEY=value, values optionally quoted). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(raw.trim());
    if (!m) continue;
    out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2').replace(/\\(["\\$`])/g, '$1');
  }
  return out;
}

/** debian/ubuntu → apt, fedora/rhel/centos → dnf, suse → zypper (by ID, then ID_LIKE). */
export function familyOf(ids: readonly string[]): PackageFamily | undefined {
  for (const id of ids) {
    if (['debian', 'ubuntu', 'linuxmint', 'raspbian', 'pop'].includes(id)) return 'apt';
    if (['fedora', 'rhel', 'centos', 'rocky', 'almalinux', 'ol', 'amzn'].includes(id)) return 'dnf';
    if (id === 'suse' || id.startsWith('opensuse') || id === 'sles' || id === 'sled') return 'zypper';
  }
  return undefined;
}

export function distroFromOsRelease(text: string): DistroInfo {
  const fields = parseOsRelease(text);
  const id = (fields.ID ?? 'linux').toLowerCase();
  const idLike = (fields.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const family = familyOf([id, ...idLike]);
  return { id, idLike, prettyName: fields.PRETTY_NAME ?? id, ...(family ? { family } : {}) };
}

/** Reads /etc/os-release (or /usr/lib/os-release). */
export async function detectDistro(paths = ['/etc/os-release', '/usr/lib/os-release']): Promise<DistroInfo> {
  for (const path of paths) {
    try {
      return distroFromOsRelease(await readFile(path, 'utf8'));
    } catch {
      // try the next
    }
  }
  return { id: 'linux', idLike: [], prettyName: 'Linux' };
}
