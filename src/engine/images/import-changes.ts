import { InvalidParameter } from '../../errdefs/index.js';
import type { ImageContainerConfig } from './image-config.js';

/** The JSON array form (`["a","b"]`) of an instruction's arguments, if that is what they are. */
function jsonForm(args: string): string[] | undefined {
  const t = args.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {}
  return undefined;
}

/** JSON array form (`["a","b"]`) or shell form (`/bin/sh -c "…"`) of CMD / ENTRYPOINT. */
function commandForm(args: string): string[] {
  return jsonForm(args) ?? ['/bin/sh', '-c', args.trim()];
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

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds. */
export function parseGoDuration(text: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  if (text === '0') return 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new InvalidParameter(`time: invalid duration "${text}"`);
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] ?? 0);
    i = re.lastIndex;
  }
  if (text === '') throw new InvalidParameter('time: invalid duration ""');
  return Math.round(total);
}

/** `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=…] [--timeout=…] [--start-period=…] [--start-interval=…] [--retries=N] CMD …`. */
function healthcheck(args: string): Record<string, unknown> {
  let rest = args.trim();
  if (rest.toUpperCase() === 'NONE') return { Test: ['NONE'] };
  const check: Record<string, unknown> = {};
  const flags: Record<string, string> = {
    interval: 'Interval',
    timeout: 'Timeout',
    'start-period': 'StartPeriod',
    'start-interval': 'StartInterval',
  };
  for (let m = /^--([a-z-]+)=(\S*)\s*/.exec(rest); m; m = /^--([a-z-]+)=(\S*)\s*/.exec(rest)) {
    const [all, flag = '', value = ''] = m;
    if (flag === 'retries') {
      const n = Number(value);
      if (!Number.isInteger(n))
        throw new InvalidParameter(`strconv.ParseInt: parsing "${value}": invalid syntax`);
      if (n < 0) throw new InvalidParameter('--retries cannot be negative');
      if (n > 0) check.Retries = n;
    } else if (flags[flag]) {
      const ns = parseGoDuration(value);
      if (ns > 0) check[flags[flag] as string] = ns;
    } else throw new InvalidParameter(`Unknown flag: ${flag}`);
    rest = rest.slice(all.length);
  }
  const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
  const type = (m?.[1] ?? '').toUpperCase();
  if (type !== 'CMD') throw new InvalidParameter(`Unknown type "${m?.[1] ?? ''}" in HEALTHCHECK (try CMD)`);
  const cmd = m?.[2] ?? '';
  const json = jsonForm(cmd);
  return { Test: json ? ['CMD', ...json] : ['CMD-SHELL', cmd.trim()], ...check };
}

const ALLOWED = [
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'HEALTHCHECK',
  'LABEL',
  'ONBUILD',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
];

/**
 * Applies Dockerfile instructions given as `changes` (import, commit) to a container
 * config, as Docker allows: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD,
 * STOPSIGNAL, USER, VOLUME, WORKDIR. Anything else is a 400 with Docker's message.
 */
export function applyChanges(base: ImageContainerConfig, changes: readonly string[]): ImageContainerConfig {
  const c: ImageContainerConfig = structuredClone(base);
  let cmdSet = false;
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
        cmdSet = true;
        break;
      case 'ENTRYPOINT':
        c.Entrypoint = commandForm(args);
        // As in a Dockerfile: an ENTRYPOINT resets the CMD unless one was given before it.
        if (!cmdSet) c.Cmd = null;
        break;
      case 'HEALTHCHECK':
        c.Healthcheck = healthcheck(args);
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
