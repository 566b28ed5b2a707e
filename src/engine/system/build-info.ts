import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  gitCommit: string;
  buildTime: string;
}

/** The package root: the nearest folder above this module (or the engine bundle) with package.json. */
function findPackageRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
}
const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function readGitCommit(root: string): string {
  try {
    const head = readFileSync(join(root, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 7);
    const ref = head.slice(5);
    try {
      return readFileSync(join(root, '.git', ref), 'utf8')
        .trim()
        .slice(0, 7);
    } catch {
      const packed = readFileSync(join(root, '.git', 'packed-refs'), 'utf8');
      const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
      return line ? line.slice(0, 7) : 'unknown';
    }
  } catch {
    return 'unknown';
  }
}

let cached: BuildInfo | undefined;

/** rootlessd's version (package.json), git commit and the time this code was built. */
export function buildInfo(): BuildInfo {
  if (cached) return cached;
  let version = '0.0.0';
  try {
    version =
      (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version?: string }).version ??
      version;
  } catch {
    // keep the placeholder
  }
  let buildTime = '';
  try {
    buildTime = statSync(fileURLToPath(import.meta.url)).mtime.toISOString();
  } catch {
    // unknown
  }
  cached = { version, gitCommit: process.env.ROOTLESSD_GIT_COMMIT || readGitCommit(packageRoot), buildTime };
  return cached;
}
