/**
 * Decoding of one 512-byte tar header block, straight from the bytes (no intermediate
 * strings or views per field): the same results and errors as tar-stream's decoder, which
 * layer extraction used before and whose allocations per entry cost more than the rest of
 * the parsing.
 */

export type EntryType =
  | 'file'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  | 'contiguous-file'
  | 'pax-header'
  | 'pax-global-header'
  | 'gnu-long-link-path'
  | 'gnu-long-path';

export interface RawHeader {
  name: string;
  /** null for a type flag this reader does not know (the entry is skipped). */
  type: EntryType | null;
  mode: number;
  uid: number;
  gid: number;
  /** NaN when the field is not a number (the reader refuses the entry). */
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname: string | undefined;
}

export const BLOCK = 512;

const TYPES: Record<number, EntryType> = {
  0: 'file',
  1: 'link',
  2: 'symlink',
  3: 'character-device',
  4: 'block-device',
  5: 'directory',
  6: 'fifo',
  7: 'contiguous-file',
  72: 'pax-header',
  55: 'pax-global-header',
  27: 'gnu-long-link-path',
  28: 'gnu-long-path',
  30: 'gnu-long-path',
};

/** Bytes of padding after `size` bytes of data, up to the next block. */
export function overflow(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

/** Octal numbers, GNU base-256 ones (first byte 0x80 or 0xff) and leading blanks/NULs. */
function decodeNumber(b: Uint8Array, offset: number, length: number): number {
  const end = offset + length;
  if (b[offset]! & 0x80) {
    const first = b[offset]!;
    if (first !== 0x80 && first !== 0xff) return Number.NaN;
    const positive = first === 0x80;
    let sum = 0;
    for (let i = offset + 1; i < end; i++) sum = sum * 256 + (positive ? b[i]! : 0xff - b[i]!);
    return positive ? sum : -sum;
  }
  let i = offset;
  while (i < end && b[i] === 0x20) i++;
  let stop = i;
  while (stop < end && b[stop] !== 0x20) stop++;
  while (i < stop && b[i] === 0) i++;
  if (i === stop) return 0;
  let n = 0;
  let digits = 0;
  for (; i < stop; i++) {
    const c = b[i]! - 0x30;
    if (c < 0 || c > 7) break;
    n = n * 8 + c;
    digits++;
  }
  return digits === 0 ? Number.NaN : n;
}

/** A NUL-terminated UTF-8 field. */
export function decodeString(b: Buffer, offset: number, length: number): string {
  let end = offset;
  const max = offset + length;
  while (end < max && b[end] !== 0) end++;
  return b.toString('utf8', offset, end);
}

function magicIs(b: Uint8Array, last: number): boolean {
  // "ustar" then NUL (POSIX) or a space (GNU)
  return (
    b[257] === 0x75 &&
    b[258] === 0x73 &&
    b[259] === 0x74 &&
    b[260] === 0x61 &&
    b[261] === 0x72 &&
    b[262] === last
  );
}

/**
 * The header in `b` (512 bytes at `at`), or null for an empty block (the end-of-archive
 * marker). Throws on a bad checksum or an unknown format, as tar-stream does.
 */
export function decodeHeader(buf: Buffer, at: number): RawHeader | null {
  const b = at === 0 && buf.length === BLOCK ? buf : buf.subarray(at, at + BLOCK);
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += b[i]!;
  for (let i = 156; i < BLOCK; i++) sum += b[i]!;
  if (sum === 8 * 32) return null;
  if (sum !== decodeNumber(b, 148, 8)) {
    throw new Error('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
  }
  let name = decodeString(b, 0, 100);
  if (magicIs(b, 0)) {
    if (b[345]) name = `${decodeString(b, 345, 155)}/${name}`;
  } else if (!(magicIs(b, 0x20) && b[263] === 0x20 && b[264] === 0)) {
    throw new Error('Invalid tar header: unknown format.');
  }
  let flag = b[156] === 0 ? 0 : b[156]! - 0x30;
  // Old tars mark folders by a trailing slash only.
  if (flag === 0 && name.endsWith('/')) flag = 5;
  return {
    name,
    type: TYPES[flag] ?? null,
    mode: decodeNumber(b, 100, 8),
    uid: decodeNumber(b, 108, 8),
    gid: decodeNumber(b, 116, 8),
    size: decodeNumber(b, 124, 12),
    mtime: decodeNumber(b, 136, 12),
    linkname: b[157] === 0 ? undefined : decodeString(b, 157, 100),
  };
}
