import { InvalidParameter } from '../../errdefs/index.js';

/** Docker's default detach sequence, ctrl-p ctrl-q. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

const CTRL_SPECIAL: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };

/**
 * Docker's detach-key syntax: comma-separated keys, each a single character or
 * `ctrl-<value>` (a–z, @, [, \, ], ^, _). Returns the bytes, or undefined when invalid.
 */
export function parseKeySequence(keys: string): Buffer | undefined {
  const out: number[] = [];
  for (const key of keys.split(',')) {
    if (key.length === 1) {
      // Go counts bytes: a character beyond ASCII is more than one and invalid.
      if (key.charCodeAt(0) > 127) return undefined;
      out.push(key.charCodeAt(0));
      continue;
    }
    const lower = key.toLowerCase();
    if (!lower.startsWith('ctrl-') || lower.length !== 6) return undefined;
    const ch = lower[5] as string;
    if (ch >= 'a' && ch <= 'z') out.push(ch.charCodeAt(0) - 96);
    else if (ch in CTRL_SPECIAL) out.push(CTRL_SPECIAL[ch] as number);
    else return undefined;
  }
  return Buffer.from(out);
}

/** The detach sequence for an attach (`detachKeys` query; empty means Docker's default). */
export function attachDetachKeys(keys: string | undefined): Buffer {
  const k = keys || DEFAULT_DETACH_KEYS;
  const bytes = parseKeySequence(k);
  if (!bytes) throw new InvalidParameter(`Invalid detach keys (${k}) provided`);
  return bytes;
}

/** The detach sequence for an exec (`DetachKeys` of exec create). */
export function execDetachKeys(keys: string | undefined): Buffer {
  const k = keys || DEFAULT_DETACH_KEYS;
  const bytes = parseKeySequence(k);
  if (!bytes) throw new InvalidParameter(`Invalid escape keys (${k}) provided`);
  return bytes;
}

/**
 * Watches stdin for the detach sequence. Bytes that may begin the sequence are held back;
 * when the next byte does not continue it they are passed on after all; when the whole
 * sequence arrived, `detach` is set and nothing of it is passed on.
 */
export class DetachKeyFilter {
  private held = 0;

  constructor(private readonly keys: Buffer) {}

  push(chunk: Buffer): { pass: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { pass: chunk, detach: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.held]) {
        this.held++;
        if (this.held === this.keys.length) {
          this.held = 0;
          return { pass: Buffer.from(out), detach: true };
        }
        continue;
      }
      // Not the sequence after all: what was held goes through, then this byte is looked at afresh.
      for (let i = 0; i < this.held; i++) out.push(this.keys[i] as number);
      this.held = 0;
      if (byte === this.keys[0]) {
        this.held = 1;
        if (this.keys.length === 1) return { pass: Buffer.from(out), detach: true };
      } else out.push(byte);
    }
    return { pass: Buffer.from(out), detach: false };
  }
}
