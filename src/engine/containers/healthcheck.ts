import { z } from 'zod';
import { InvalidParameter } from '../../errdefs/index.js';
import { lazySchema } from '../../types/lazy-schema.js';

/** Docker's defaults (daemon/health.go). */
export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_START_INTERVAL_MS = 5_000;
export const DEFAULT_RETRIES = 3;
/** Docker keeps the last five results, each output cut to 4096 bytes. */
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_BYTES = 4096;

/** `Healthcheck` as the API carries it (durations in nanoseconds). */
export interface HealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export const HealthResultSchema = lazySchema(() =>
  z.object({
    Start: z.string(),
    End: z.string(),
    ExitCode: z.number().int(),
    Output: z.string(),
  }),
);
export type HealthResult = z.infer<typeof HealthResultSchema>;

/** `State.Health` as inspect shows it (also kept in state.json). */
export const HealthStateSchema = lazySchema(() =>
  z.object({
    Status: z.enum(['starting', 'healthy', 'unhealthy']),
    FailingStreak: z.number().int(),
    Log: z.array(HealthResultSchema),
  }),
);
export type HealthState = z.infer<typeof HealthStateSchema>;

/** A health check ready to run: argv and timings in milliseconds. */
export interface Probe {
  cmd: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

const NS_PER_MS = 1_000_000;

function asConfig(v: unknown): HealthConfig | undefined {
  return v && typeof v === 'object' ? (v as HealthConfig) : undefined;
}

/** Docker's merge of the container's Healthcheck over the image's: unset fields come from the image. */
export function mergeHealthcheck(own: unknown, image: unknown): HealthConfig | undefined {
  const o = asConfig(own);
  const i = asConfig(image);
  if (!o || Object.keys(o).length === 0) return i ? { ...i } : undefined;
  if (!i) return { ...o };
  return {
    ...o,
    Test: o.Test?.length ? o.Test : i.Test,
    Interval: o.Interval || i.Interval,
    Timeout: o.Timeout || i.Timeout,
    StartPeriod: o.StartPeriod || i.StartPeriod,
    StartInterval: o.StartInterval || i.StartInterval,
    Retries: o.Retries || i.Retries,
  };
}

/** Docker's create-time checks (`… cannot be less than 1ms`, `… cannot be negative`). */
export function validateHealthcheck(h: HealthConfig | undefined): void {
  if (!h) return;
  for (const key of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval'] as const) {
    const v = h[key] ?? 0;
    if (v !== 0 && v < NS_PER_MS) throw new InvalidParameter(`${key} in Healthcheck cannot be less than 1ms`);
  }
  if ((h.Retries ?? 0) < 0) throw new InvalidParameter('Retries in Healthcheck cannot be negative');
  const kind = h.Test?.[0];
  if (kind && !['NONE', 'CMD', 'CMD-SHELL'].includes(kind))
    throw new InvalidParameter(`unknown Healthcheck type '${kind}' (expected CMD or CMD-SHELL)`);
}

/** The probe to run, or undefined when there is none (no Test, or `NONE`). */
export function probeOf(h: HealthConfig | undefined): Probe | undefined {
  const test = h?.Test ?? [];
  const [kind, ...rest] = test;
  let cmd: string[];
  if (kind === 'CMD') cmd = rest;
  else if (kind === 'CMD-SHELL') cmd = ['/bin/sh', '-c', rest.join(' ')];
  else return undefined;
  if (cmd.length === 0) return undefined;
  const ms = (ns: number | undefined, dflt: number) => (ns && ns > 0 ? Math.round(ns / NS_PER_MS) : dflt);
  return {
    cmd,
    intervalMs: ms(h?.Interval, DEFAULT_INTERVAL_MS),
    timeoutMs: ms(h?.Timeout, DEFAULT_TIMEOUT_MS),
    startPeriodMs: ms(h?.StartPeriod, 0),
    startIntervalMs: ms(h?.StartInterval, DEFAULT_START_INTERVAL_MS),
    retries: h?.Retries && h.Retries > 0 ? h.Retries : DEFAULT_RETRIES,
  };
}

export function startingHealth(previous?: HealthState): HealthState {
  return { Status: 'starting', FailingStreak: 0, Log: previous?.Log ?? [] };
}

/** Output as Docker keeps it: at most 4096 bytes. */
export function truncateOutput(output: Buffer | string): string {
  const buf = typeof output === 'string' ? Buffer.from(output) : output;
  return buf.subarray(0, MAX_OUTPUT_BYTES).toString();
}

/**
 * Docker's handleProbeResult: success makes the container healthy; a failure counts
 * unless the container is still starting inside its start period; `retries` failures in
 * a row make it unhealthy. Returns the new state (the log keeps the last five results).
 */
export function applyResult(
  h: HealthState,
  result: HealthResult,
  probe: Pick<Probe, 'retries' | 'startPeriodMs'>,
  startedAt: string,
): HealthState {
  const next: HealthState = {
    Status: h.Status,
    FailingStreak: h.FailingStreak,
    Log: [...h.Log, result].slice(-MAX_LOG_ENTRIES),
  };
  if (result.ExitCode === 0) {
    next.FailingStreak = 0;
    next.Status = 'healthy';
    return next;
  }
  const inStartPeriod =
    h.Status === 'starting' && Date.parse(result.Start) - Date.parse(startedAt) < probe.startPeriodMs;
  if (!inStartPeriod) {
    next.FailingStreak++;
    if (next.FailingStreak >= probe.retries) next.Status = 'unhealthy';
  }
  return next;
}

/** How long to wait before the next probe: StartInterval while starting inside the start period. */
export function nextDelayMs(h: HealthState, probe: Probe, startedAt: string, now = Date.now()): number {
  if (h.Status === 'starting' && probe.startPeriodMs > 0 && now - Date.parse(startedAt) < probe.startPeriodMs)
    return probe.startIntervalMs;
  return probe.intervalMs;
}

/** Go's time.Duration String() for whole milliseconds: `1s`, `500ms`, `1m30s`, `1h0m0s`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

/** The words `docker ps` adds to "Up …": `healthy`, `unhealthy`, `health: starting`. */
export function healthWords(h: HealthState): string {
  return h.Status === 'starting' ? 'health: starting' : h.Status;
}
