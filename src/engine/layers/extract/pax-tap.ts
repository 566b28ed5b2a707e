import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** One PAX header's records with their values kept as raw bytes. */
export type PaxRecords = Map<string, Buffer>;

const BLOCK = 512;

/** Parses PAX records (`LEN KEY=VALUE\n`, LEN counting bytes) without decoding the values. */
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

function readSize(block: Buffer): number {
  const field = block.subarray(124, 136);
  if (field[0]! & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = field.toString('ascii').replace(/\0.*$/s, '').trim();
  return text ? Number.parseInt(text, 8) : 0;
}

function padded(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/**
 * Passes a tar stream through unchanged while hashing it (the layer's diff id) and walking
 * its headers the same way tar-stream does, to keep each entry's PAX records as raw Buffers
 * (tar-stream decodes them as UTF-8, which corrupts binary xattr values). `nextEntryPax()` returns
 * the records of the next entry tar-stream emits, in order.
 */
export class PaxTap extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private header = Buffer.alloc(0);
  private skip = 0;
  private capture: { remaining: number; chunks: Buffer[]; global: boolean; pad: number } | undefined;
  private pending: PaxRecords | undefined;
  private global: PaxRecords | undefined;
  private readonly queue: (PaxRecords | undefined)[] = [];

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.walk(chunk);
    done(null, chunk);
  }

  /** The PAX records of the next entry (global records merged under its own). */
  nextEntryPax(): PaxRecords | undefined {
    return this.queue.shift();
  }

  get size(): number {
    return this.bytes;
  }

  /** `sha256:…` of every byte that went through. Call once the stream has ended. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }

  private walk(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.capture) {
        const c = this.capture;
        const n = Math.min(c.remaining, chunk.length - pos);
        c.chunks.push(chunk.subarray(pos, pos + n));
        c.remaining -= n;
        pos += n;
        if (c.remaining === 0) {
          const records = parsePaxRecords(Buffer.concat(c.chunks));
          if (c.global) this.global = new Map([...(this.global ?? []), ...records]);
          else this.pending = new Map([...(this.global ?? []), ...records]);
          this.capture = undefined;
          this.skip = c.pad;
        }
        continue;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - pos);
        this.skip -= n;
        pos += n;
        continue;
      }
      const need = BLOCK - this.header.length;
      const part = chunk.subarray(pos, pos + need);
      this.header = this.header.length ? Buffer.concat([this.header, part]) : Buffer.from(part);
      pos += part.length;
      if (this.header.length === BLOCK) {
        const block = this.header;
        this.header = Buffer.alloc(0);
        this.onHeader(block);
      }
    }
  }

  private onHeader(block: Buffer): void {
    if (block.every((b) => b === 0)) return;
    const flag = String.fromCharCode(block[156]!);
    const size = readSize(block);
    if (flag === 'x' || flag === 'g') {
      this.capture = { remaining: size, chunks: [], global: flag === 'g', pad: padded(size) - size };
      if (size === 0) this.capture = undefined;
      return;
    }
    if (flag === 'L' || flag === 'K' || flag === 'N') {
      this.skip = padded(size);
      return;
    }
    const own = this.pending;
    this.pending = undefined;
    this.queue.push(own ?? this.global);
    if (flag === '5') return;
    const paxSize = own?.get('size');
    this.skip = padded(paxSize ? Number.parseInt(paxSize.toString('ascii'), 10) : size);
  }
}
