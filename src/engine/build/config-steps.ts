import { InvalidParameter } from '../../errdefs/index.js';
import { goQuoted, type StageState, setEnv, stageShell } from './build-state.js';
import type { Instruction } from './dockerfile-parser.js';
import { commitNop, type StepContext, vars } from './step-context.js';
import { expandWord, expandWords, nameValuePairs, splitRawWords } from './variables.js';

/** `1h2m3.5s`-style durations (Go's time.ParseDuration) in nanoseconds. */
export function parseDuration(text: string, flag: string): number {
  if (text === '0') return 0;
  const units: Record<string, number> = {
    ns: 1,
    us: 1e3,
    '\u00b5s': 1e3,
    ms: 1e6,
    s: 1e9,
    m: 60e9,
    h: 3600e9,
  };
  const re = /(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (units[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (matched !== text.length || text === '')
    throw new InvalidParameter(`invalid duration for --${flag}: ${text}`);
  return Math.round(total);
}

/** The command of CMD / ENTRYPOINT / HEALTHCHECK CMD: exec form, or the shell around the text. */
function command(s: StageState, ins: Instruction, rest: string): string[] {
  const json = ins.json;
  return json ?? [...stageShell(s), rest];
}

function ports(words: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
    if (!m) throw new InvalidParameter(`Invalid containerPort: ${w}`);
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : from;
    if (to < from) throw new InvalidParameter(`Invalid range specified for port: ${w}`);
    for (let p = from; p <= to; p++) out.push(`${p}/${(m[3] ?? 'tcp').toLowerCase()}`);
  }
  return out;
}

/**
 * The instructions that only change the image's config (and ARG, MAINTAINER): each updates
 * the stage's config and records an image without a layer whose history names the step
 * (`/bin/sh -c #(nop)  CMD ["sh"]`), or takes the cached one.
 */
export async function configStep(ctx: StepContext, s: StageState, ins: Instruction): Promise<void> {
  const c = s.config;
  const v = () => vars(ctx, s);
  const e = ctx.escape;
  switch (ins.cmd) {
    case 'env': {
      const pairs = nameValuePairs('env', ins.rest, e).map(([k, val]) => [
        expandWord(k, v(), e),
        expandWord(val, v(), e),
      ]);
      for (const [k, val] of pairs) c.Env = setEnv(c.Env, k as string, val as string);
      return commitNop(ctx, s, `ENV ${pairs.map(([k, val]) => `${k}=${val}`).join(' ')}`);
    }
    case 'label': {
      const pairs = nameValuePairs('label', ins.rest, e).map(([k, val]) => [
        expandWord(k, v(), e),
        expandWord(val, v(), e),
      ]);
      c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs) };
      return commitNop(ctx, s, `LABEL ${pairs.map(([k, val]) => `${k}=${val}`).join(' ')}`);
    }
    case 'arg': {
      const words = splitRawWords(ins.rest, e);
      if (words.length === 0) throw new InvalidParameter('ARG requires exactly one argument');
      const parts: string[] = [];
      for (const w of words) {
        const i = w.indexOf('=');
        const name = i < 0 ? w : w.slice(0, i);
        const fallback = i < 0 ? undefined : expandWord(w.slice(i + 1), v(), e);
        const value = ctx.args.valueFor(name, fallback);
        s.args.set(name, value);
        parts.push(value === undefined ? name : `${name}=${value}`);
      }
      return commitNop(ctx, s, `ARG ${parts.join(' ')}`);
    }
    case 'cmd':
      c.Cmd = command(s, ins, ins.rest);
      s.cmdSet = true;
      return commitNop(ctx, s, `CMD ${goQuoted(c.Cmd)}`);
    case 'entrypoint':
      c.Entrypoint = ins.json ?? (ins.rest === '' ? null : [...stageShell(s), ins.rest]);
      if (!s.cmdSet) c.Cmd = null;
      return commitNop(ctx, s, `ENTRYPOINT ${goQuoted(c.Entrypoint ?? [])}`);
    case 'expose': {
      const list = ports(expandWords(ins.rest, v(), e));
      if (list.length === 0) throw new InvalidParameter('EXPOSE requires at least one argument');
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of list) c.ExposedPorts[p] = {};
      return commitNop(ctx, s, `EXPOSE ${list.sort().join(' ')}`);
    }
    case 'user': {
      const user = expandWord(ins.rest, v(), e);
      if (!user) throw new InvalidParameter('USER requires exactly one argument');
      c.User = user;
      return commitNop(ctx, s, `USER ${user}`);
    }
    case 'volume': {
      const list = ins.json ? ins.json.map((w) => expandWord(w, v(), e)) : expandWords(ins.rest, v(), e);
      if (list.length === 0) throw new InvalidParameter('VOLUME requires at least one argument');
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const p of list) {
        if (p.trim() === '') throw new InvalidParameter('VOLUME specified can not be an empty string');
        c.Volumes[p] = {};
      }
      return commitNop(ctx, s, `VOLUME [${list.join(' ')}]`);
    }
    case 'stopsignal': {
      const sig = expandWord(ins.rest, v(), e);
      if (!/^(SIG)?[A-Z0-9+-]+$/i.test(sig)) throw new InvalidParameter(`Invalid signal: ${sig}`);
      c.StopSignal = sig;
      return commitNop(ctx, s, `STOPSIGNAL ${sig}`);
    }
    case 'shell': {
      if (!ins.json || ins.json.length === 0)
        throw new InvalidParameter('SHELL requires the arguments to be in JSON form');
      c.Shell = ins.json;
      return commitNop(ctx, s, `SHELL ${goQuoted(ins.json)}`);
    }
    case 'maintainer':
      s.maintainer = ins.rest;
      return commitNop(ctx, s, `MAINTAINER ${ins.rest}`);
    case 'onbuild': {
      const trigger = ins.rest.trim();
      const word = (/^\S+/.exec(trigger)?.[0] ?? '').toUpperCase();
      if (word === '') throw new InvalidParameter('ONBUILD requires at least one argument');
      if (word === 'ONBUILD')
        throw new InvalidParameter("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (word === 'FROM' || word === 'MAINTAINER')
        throw new InvalidParameter(`${word} isn't allowed as an ONBUILD trigger`);
      const text = `${word}${trigger.slice(word.length)}`;
      c.OnBuild = [...(c.OnBuild ?? []), text];
      return commitNop(ctx, s, `ONBUILD ${text}`);
    }
    case 'healthcheck':
      return healthcheckStep(ctx, s, ins);
    default:
      throw new InvalidParameter(`unknown instruction: ${ins.cmd.toUpperCase()}`);
  }
}

async function healthcheckStep(ctx: StepContext, s: StageState, ins: Instruction): Promise<void> {
  const [kind = '', ...restWords] = ins.rest.split(/\s+/);
  const after = ins.rest.slice(kind.length).trim();
  let test: string[];
  if (kind.toUpperCase() === 'NONE') {
    if (restWords.length > 0 || Object.keys(ins.flags).length > 0)
      throw new InvalidParameter('HEALTHCHECK NONE takes no arguments');
    test = ['NONE'];
  } else if (kind.toUpperCase() === 'CMD') {
    if (!after) throw new InvalidParameter('Missing command after HEALTHCHECK CMD');
    const json = after.startsWith('[') ? (JSON.parse(after) as string[]) : undefined;
    test = json ? ['CMD', ...json] : ['CMD-SHELL', after];
  } else throw new InvalidParameter(`Unknown type "${kind}" in HEALTHCHECK (try CMD)`);
  const hc: Record<string, unknown> = { Test: test };
  const durations: Record<string, string> = {
    interval: 'Interval',
    timeout: 'Timeout',
    'start-period': 'StartPeriod',
    'start-interval': 'StartInterval',
  };
  for (const [flag, value] of Object.entries(ins.flags)) {
    if (typeof value !== 'string') throw new InvalidParameter(`missing a value on flag: ${flag}`);
    if (flag === 'retries') {
      if (!/^\d+$/.test(value)) throw new InvalidParameter(`--retries must be a number: ${value}`);
      hc.Retries = Number(value);
    } else if (durations[flag]) hc[durations[flag] as string] = parseDuration(value, flag);
    else throw new InvalidParameter(`Unknown flag: ${flag}`);
  }
  s.config.Healthcheck = hc;
  return commitNop(ctx, s, `HEALTHCHECK ${JSON.stringify(hc)}`);
}
