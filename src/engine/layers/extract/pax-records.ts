/** One PAX header's records with their values kept as raw bytes. */
export type PaxRecords = Map<string, Buffer>;

/**
 * Parses PAX records (`LEN KEY=VALUE\n`, LEN counting bytes) without decoding the values:
 * tar-stream decodes them as UTF-8, which corrupts binary xattr values.
 */
export function parsePaxRecords(buf: Buffer): PaxRecords {
  const out: PaxRecords = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const space = buf.indexOf(0x20, pos);
    if (space < 0) break;
    const len = Number.parseInt(buf.toString('ascii', pos, space), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > buf.length) break;
    const record = buf.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq > 0) out.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1)));
    pos += len;
  }
  return out;
}

/** `base` with `own` on top (a new map; either may be absent). */
export function mergePax(base: PaxRecords | undefined, own: PaxRecords): PaxRecords {
  if (!base) return own;
  const out = new Map(base);
  for (const [k, v] of own) out.set(k, v);
  return out;
}

/** A record's value as text (ASCII/UTF-8), or undefined when absent or empty. */
export function paxText(pax: PaxRecords | undefined, key: string): string | undefined {
  const v = pax?.get(key);
  return v && v.length > 0 ? v.toString('utf8') : undefined;
}
