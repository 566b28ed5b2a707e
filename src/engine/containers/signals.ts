import { constants } from 'node:os';
import { InvalidParameter } from '../../errdefs/index.js';

const BY_NAME = constants.signals as Record<string, number>;

/** A signal by name (`KILL`, `SIGKILL`, any case) or number; a 400 with Docker's text otherwise. */
export function parseSignal(raw: string | undefined, fallback = 'SIGKILL'): number {
  const text = (raw ?? '').trim() || fallback;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n <= 0 || n > 64) throw new InvalidParameter(`Invalid signal: ${text}`);
    return n;
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name);
  if (rt) return 34 + Number(rt[1] ?? 0);
  const value = BY_NAME[name];
  if (value === undefined) throw new InvalidParameter(`Invalid signal: ${text}`);
  return value;
}
