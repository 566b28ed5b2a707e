import { createHash } from 'node:crypto';
import { closeSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { mergePax, type PaxRecords, parsePaxRecords, paxText } from './pax-records.js';
import { BLOCK, decodeHeader, decodeString, type EntryType, overflow, type RawHeader } from './tar-header.js';

/**
 * One entry of the tar, its long names and PAX records applied (`mtime` then carries the PAX
 * record's sub-second value when present).
 */
export interface TarEntry extends RawHeader {
  /** The entry's PAX records (global ones under its own), values as raw bytes. */
  pax: PaxRecords | undefined;
}

/** What the reader does with entries (the layer extraction). */
export interface TarEntryHandler {
  /**
   * An entry's header. A file's handler returns the descriptor its data is written to (the
   * reader closes it); a promise makes the reader wait; the data of anything else is skipped.
   */
  begin(entry: TarEntry): number | Promise<void> | undefined;
  /** After a file's last byte, before its descriptor is closed. */
  fileDone(entry: TarEntry, fd: number): void;
}

/** A numeric PAX record (ids, sub-second times), or undefined when absent or not a number. */
function paxNumber(pax: PaxRecords | undefined, key: string): number | undefined {
  const text = paxText(pax, key);
  if (text === undefined) return undefined;
  const n = Number.parseFloat(text);
  return Number.isFinite(n) ? n : undefined;
}

function truncated(n: number | undefined): number | undefined {
  return n === undefined ? undefined : Math.trunc(n);
}

/** PAX and GNU long-name headers larger than this are refused (as tar-stream does). */
const MAX_META_SIZE = 4 * 1024 * 1024;

enum Mode {
  Header,
  Data,
  Skip,
  Meta,
}

/**
 * Consumes an uncompressed tar: hashes every byte (the layer's diff id), parses the headers
 * and writes each file's data to the descriptor the handler opened for it, in the same
 * write() call that receives the bytes: no stream, promise or copy per entry or chunk.
 * Formats as tar-stream reads them (ustar with prefix, GNU long names, PAX path/linkpath/size,
 * base-256 numbers), with the same errors for a corrupt header or a truncated tar.
 */
export class TarReader extends Writable {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private mode = Mode.Header;
  /** A header split across chunks is gathered here. */
  private readonly partial = Buffer.allocUnsafe(BLOCK);
  private partialFill = 0;
  /** Bytes of the current entry's data (or meta header) still to come, then its padding. */
  private remaining = 0;
  private pad = 0;
  private fd = -1;
  private entry: TarEntry | undefined;
  private meta: { type: EntryType; chunks: Buffer[]; size: number } | undefined;
  private longPath: string | undefined;
  private longLink: string | undefined;
  private pending: PaxRecords | undefined;
  private global: PaxRecords | undefined;

  constructor(private readonly handler: TarEntryHandler) {
    super({ highWaterMark: 256 * 1024 });
  }

  get size(): number {
    return this.bytes;
  }

  /** `sha256:…` of every byte that went through. Call once the stream has finished. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    // Later, not in this call: a chunk from gunzip arrives in the callback of its inflate in
    // the thread pool, which dispatches the next inflate only once this returns; deferred,
    // the next chunk is inflated while this one is written (they overlap on two cores, as the
    // floor's gzip and tar do). extract-only: 603 -> 443 ms with gunzip's larger buffers.
    setImmediate(() => {
      if (this.destroyed) return;
      this.hash.update(chunk);
      this.bytes += chunk.length;
      this.consume(chunk, 0, done);
    });
  }

  override _final(done: (err?: Error | null) => void): void {
    const clean = this.mode === Mode.Header && this.partialFill === 0 && this.pad === 0;
    done(clean ? null : new Error('Unexpected end of data'));
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.closeFile();
    done(err);
  }

  private closeFile(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    closeSync(fd);
  }

  /** Processes `chunk` from `pos`; an entry that must wait for a promise resumes after it. */
  private consume(chunk: Buffer, pos: number, done: (err?: Error | null) => void): void {
    try {
      while (pos < chunk.length) {
        const avail = chunk.length - pos;
        if (this.remaining > 0) {
          const n = Math.min(avail, this.remaining);
          if (this.mode === Mode.Data) this.writeData(chunk, pos, n);
          else if (this.mode === Mode.Meta) this.meta!.chunks.push(Buffer.from(chunk.subarray(pos, pos + n)));
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) this.endData();
          continue;
        }
        if (this.pad > 0) {
          const n = Math.min(avail, this.pad);
          this.pad -= n;
          pos += n;
          continue;
        }
        let header: RawHeader | null;
        if (this.partialFill === 0 && avail >= BLOCK) {
          header = decodeHeader(chunk, pos);
          pos += BLOCK;
        } else {
          const n = Math.min(BLOCK - this.partialFill, avail);
          chunk.copy(this.partial, this.partialFill, pos, pos + n);
          this.partialFill += n;
          pos += n;
          if (this.partialFill < BLOCK) continue;
          this.partialFill = 0;
          header = decodeHeader(this.partial, 0);
        }
        if (!header) continue;
        const waiting = this.onHeader(header);
        if (waiting) {
          const resumeAt = pos;
          waiting.then(
            () => {
              // Destroyed meanwhile (an error, an abort): nothing more is written.
              if (!this.destroyed) this.consume(chunk, resumeAt, done);
            },
            (err: Error) => done(err),
          );
          return;
        }
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  }

  private writeData(chunk: Buffer, pos: number, n: number): void {
    const end = pos + n;
    while (pos < end) pos += writeSync(this.fd, chunk, pos, end - pos);
  }

  /** The current entry's data (or meta header) is complete. */
  private endData(): void {
    if (this.mode === Mode.Data) {
      this.handler.fileDone(this.entry!, this.fd);
      this.closeFile();
    } else if (this.mode === Mode.Meta) {
      const m = this.meta!;
      this.meta = undefined;
      this.applyMeta(m.type, m.chunks.length === 1 ? m.chunks[0]! : Buffer.concat(m.chunks));
    }
    this.entry = undefined;
    this.mode = Mode.Header;
  }

  private applyMeta(type: EntryType, data: Buffer): void {
    if (type === 'gnu-long-path') this.longPath = decodeString(data, 0, data.length);
    else if (type === 'gnu-long-link-path') this.longLink = decodeString(data, 0, data.length);
    else if (type === 'pax-global-header') this.global = mergePax(this.global, parsePaxRecords(data));
    else this.pending = mergePax(this.global, parsePaxRecords(data));
  }

  private onHeader(h: RawHeader): Promise<void> | undefined {
    switch (h.type) {
      case 'gnu-long-path':
      case 'gnu-long-link-path':
      case 'pax-global-header':
      case 'pax-header':
        if (h.size > MAX_META_SIZE) throw new Error('Header exceeds max size');
        if (!(h.size >= 0)) throw new Error('Invalid header');
        this.pad = overflow(h.size);
        if (h.size === 0) this.applyMeta(h.type, Buffer.alloc(0));
        else {
          this.meta = { type: h.type, chunks: [], size: h.size };
          this.mode = Mode.Meta;
          this.remaining = h.size;
        }
        return undefined;
    }
    const own = this.pending;
    this.pending = undefined;
    const pax = own ?? this.global;
    const entry: TarEntry = {
      name: paxText(own, 'path') ?? this.longPath ?? h.name,
      type: h.type,
      mode: h.mode,
      uid: truncated(paxNumber(pax, 'uid')) ?? h.uid,
      gid: truncated(paxNumber(pax, 'gid')) ?? h.gid,
      size: h.size,
      mtime: paxNumber(pax, 'mtime') ?? h.mtime,
      linkname: paxText(own, 'linkpath') ?? this.longLink ?? h.linkname,
      pax,
    };
    this.longPath = undefined;
    this.longLink = undefined;
    const paxSize = paxText(own, 'size');
    if (paxSize !== undefined) entry.size = Number.parseInt(paxSize, 10);
    if (!(entry.size >= 0)) throw new Error('Invalid header');
    // Folders carry no data (tar-stream reads none either).
    const size = entry.type === 'directory' ? 0 : entry.size;
    this.remaining = size;
    this.pad = overflow(size);
    const result = this.handler.begin(entry);
    if (typeof result === 'number') {
      this.fd = result;
      this.entry = entry;
      this.mode = Mode.Data;
      if (size === 0) this.endData();
      return undefined;
    }
    this.mode = size === 0 ? Mode.Header : Mode.Skip;
    return result instanceof Promise ? result : undefined;
  }
}
