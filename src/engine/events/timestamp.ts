import { InvalidParameter } from '../../errdefs/index.js';

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

function durationNs(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 0);
    consumed = re.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

/**
 * Docker's timestamp forms for `since`/`until`: unix seconds with an optional fraction
 * ("1700000000.5"), a Go duration before now ("10m", "1h30m"), or an RFC 3339 time or
 * date. Returns nanoseconds since the epoch.
 */
export function parseEventTimestamp(value: string, field: string, nowMs = Date.now()): number {
  const text = value.trim();
  const seconds = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (seconds) {
    const frac = (seconds[2] ?? '').padEnd(9, '0');
    return Number(seconds[1]) * 1e9 + Number(frac);
  }
  const d = durationNs(text);
  if (d !== undefined) return nowMs * 1e6 - d;
  const ms = Date.parse(text);
  if (!Number.isNaN(ms) && /^\d{4}-\d{2}-\d{2}/.test(text)) return ms * 1e6;
  throw new InvalidParameter(`invalid value for ${field}: ${JSON.stringify(value)} is not a timestamp`);
}
