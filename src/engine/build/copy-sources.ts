import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { InvalidParameter } from '../../errdefs/index.js';
import { resolveInRoot } from '../containers/root-path.js';

/** A COPY/ADD source: a file or folder found under a root (the context or a stage's rootfs). */
export interface CopySource {
  /** Its path on the host (symlinks of the given path resolved within the root). */
  host: string;
  /** Its last name (for `dest/name`). */
  name: string;
  isDir: boolean;
}

const GLOB = /[*?[]/;

/** Go's filepath.Match for one path segment, as a regular expression. */
export function segmentPattern(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i] as string;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) throw new InvalidParameter(`syntax error in pattern: ${segment}`);
      let body = segment.slice(i + 1, end);
      if (body.startsWith('^')) body = `!${body.slice(1)}`;
      re += body.startsWith('!')
        ? `[^${body.slice(1).replace(/\\/g, '\\\\')}]`
        : `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (ch === '\\' && i + 1 < segment.length) re += `\\${segment[++i]}`;
    else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Paths (relative, `/`-joined) under `root` matching a pattern, segment by segment. */
async function expandGlob(root: string, segments: string[]): Promise<string[]> {
  let paths = [''];
  for (const seg of segments) {
    const next: string[] = [];
    for (const p of paths) {
      if (!GLOB.test(seg)) {
        next.push(p ? `${p}/${seg}` : seg);
        continue;
      }
      const dir = await resolveInRoot(root, `/${p}`, true);
      const names = await readdir(dir).catch(() => [] as string[]);
      const re = segmentPattern(seg);
      for (const n of names.sort()) if (re.test(n)) next.push(p ? `${p}/${n}` : n);
    }
    paths = next;
  }
  return paths;
}

/**
 * The sources named by COPY/ADD arguments, inside `root`: globs expanded, each path resolved
 * as if `root` were `/` (nothing outside it is reached). A missing path or an empty glob is
 * Docker's error.
 */
export async function resolveSources(
  root: string,
  patterns: readonly string[],
  what: string,
): Promise<CopySource[]> {
  const out: CopySource[] = [];
  for (const pattern of patterns) {
    const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
    const paths = segments.some((s) => GLOB.test(s))
      ? await expandGlob(root, segments)
      : [segments.join('/')];
    if (paths.length === 0) throw new InvalidParameter(`${what} failed: no source files were specified`);
    for (const rel of paths) {
      const host = await resolveInRoot(root, `/${rel}`, true);
      const st = await stat(host).catch(() => undefined);
      if (!st)
        throw new InvalidParameter(
          `${what} failed: file not found in build context or excluded by .dockerignore: stat ${rel || '.'}: file does not exist`,
        );
      const name =
        rel
          .split('/')
          .filter((s) => s !== '..')
          .at(-1) ?? '';
      out.push({ host, name, isDir: st.isDirectory() });
    }
  }
  return out;
}

async function hashFile(path: string, h: ReturnType<typeof createHash>): Promise<void> {
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
}

async function hashTree(path: string, rel: string, h: ReturnType<typeof createHash>): Promise<void> {
  const st = await lstat(path);
  h.update(`${rel}\0${st.mode}\0`);
  if (st.isSymbolicLink()) h.update(`link:${await readlink(path)}\0`);
  else if (st.isFile()) {
    h.update(`${st.size}\0`);
    await hashFile(path, h);
  } else if (st.isDirectory()) {
    for (const n of (await readdir(path)).sort()) await hashTree(`${path}/${n}`, `${rel}/${n}`, h);
  }
}

/**
 * The checksum the cache keys a COPY/ADD on (Docker's `file:…`, `dir:…`, `multi:…`): names,
 * modes, link targets and contents of every file, not times.
 */
export async function sourcesChecksum(sources: readonly CopySource[]): Promise<string> {
  const hashes: string[] = [];
  for (const s of sources) {
    const h = createHash('sha256');
    await hashTree(s.host, s.isDir ? '' : s.name, h);
    hashes.push(h.digest('hex'));
  }
  if (sources.length === 1) return `${sources[0]?.isDir ? 'dir' : 'file'}:${hashes[0]}`;
  return `multi:${createHash('sha256').update(hashes.join(',')).digest('hex')}`;
}
