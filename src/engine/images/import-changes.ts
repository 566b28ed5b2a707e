import { InvalidParameter } from '../../errdefs/index.js';
import type { ImageContainerConfig } from './image-config.js';

/** JSON array form (`["a","b"]`) or shell form (`/bin/sh -c "…"`) of CMD / ENTRYPOINT. */
function commandForm(args: string): string[] {
  const t = args.trim();
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    } catch {}
  }
  return ['/bin/sh', '-c', t];
}

/** `K=V K2="V 2"` or the legacy `K V` form. */
function keyValues(args: string): [string, string][] {
  const t = args.trim();
  if (!/^[^\s=]+=/.test(t)) {
    const i = t.search(/\s/);
    return i < 0 ? [[t, '']] : [[t.slice(0, i), t.slice(i).trim()]];
  }
  const out: [string, string][] = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    let v = m[2] ?? '';
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (v.startsWith("'")) v = v.slice(1, -1);
    out.push([m[1] ?? '', v]);
  }
  return out;
}

const ALLOWED = [
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'LABEL',
  'ONBUILD',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
];

/**
 * Applies Dockerfile instructions given as `changes` (import, commit) to a container
 * config, as Docker allows: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER,
 * VOLUME, WORKDIR. Anything else is a 400 with Docker's message.
 */
export function applyChanges(base: ImageContainerConfig, changes: readonly string[]): ImageContainerConfig {
  const c: ImageContainerConfig = structuredClone(base);
  for (const line of changes) {
    const t = line.trim();
    if (t === '') continue;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(t);
    const op = (m?.[1] ?? '').toUpperCase();
    const args = m?.[2] ?? '';
    if (!ALLOWED.includes(op))
      throw new InvalidParameter(`${op.toLowerCase()} is not a valid change command`);
    switch (op) {
      case 'CMD':
        c.Cmd = commandForm(args);
        break;
      case 'ENTRYPOINT':
        c.Entrypoint = commandForm(args);
        break;
      case 'ENV': {
        const env = [...(c.Env ?? [])];
        for (const [k, v] of keyValues(args)) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case 'LABEL':
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(keyValues(args)) };
        break;
      case 'EXPOSE': {
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const p of args.trim().split(/\s+/).filter(Boolean))
          ports[p.includes('/') ? p : `${p}/tcp`] = {};
        c.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(c.Volumes ?? {}) };
        const list = args.trim().startsWith('[') ? commandForm(args) : args.trim().split(/\s+/);
        for (const v of list.filter(Boolean)) vols[v] = {};
        c.Volumes = vols;
        break;
      }
      case 'ONBUILD':
        c.OnBuild = [...(c.OnBuild ?? []), args.trim()];
        break;
      case 'STOPSIGNAL':
        c.StopSignal = args.trim();
        break;
      case 'USER':
        c.User = args.trim();
        break;
      case 'WORKDIR':
        c.WorkingDir = args.trim();
        break;
    }
  }
  return c;
}
