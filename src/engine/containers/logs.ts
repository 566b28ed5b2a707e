import { closeSync, fstatSync, openSync, read, watch } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';
import { logChain } from './log-rotation.js';

export interface LogChunk {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 with nanoseconds, in UTC (`Z`). */
  timestamp: string;
  data: Buffer;
}

export interface LogOptions {
  stdout: boolean;
  stderr: boolean;
  follow: boolean;
  /** Seconds since the epoch (fractions allowed); 0 = none. */
  since: number;
  until: number;
  /** Last N lines; undefined = all. */
  tail?: number;
  timestamps: boolean;
}

/** One k8s-file line: `TIMESTAMP stdout|stderr F|P text`. */
export function parseLogLine(
  line: string,
): { ts: string; stream: 'stdout' | 'stderr'; partial: boolean; text: string } | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const text = c < 0 ? '' : line.slice(c + 1);
  return { ts: line.slice(0, a), stream, partial: tag === 'P', text };
}

/** `2026-11-23T11:28:19.900550191+00:00` → `2026-11-23T11:28:19.900550191Z`. */
export function dockerTimestamp(ts: string): string {
  return ts.replace(/\+00:00$/, 'Z');
}

function seconds(ts: string): number {
  const m = /^(.*?)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return Number.NaN;
  return Date.parse(`${m[1]}${m[3]}`) / 1000 + Number(`0${m[2] ?? ''}`);
}

/** Bytes read from a log file at a time: entries come out block by block, never a whole file. */
const BLOCK = 256 * 1024;

/**
 * Whole k8s-file lines out of blocks of bytes, as Docker's log entries: partial lines joined,
 * since/until and the stream choice applied. Works on the bytes: an entry's data is a view of
 * its block (the text and its newline as the file has them), so a large log costs no copy or
 * string per line; timestamps are turned into text only when they are asked for.
 */
class EntryParser {
  private carry: Buffer | undefined;
  private partial: { ts: string; stream: 'stdout' | 'stderr'; parts: Buffer[] } | undefined;
  private readonly wantTime: boolean;

  constructor(private readonly options: LogOptions) {
    this.wantTime = options.timestamps || Boolean(options.since) || Boolean(options.until);
  }

  /** `bytes` must not be reused by the caller: entries keep views of it. */
  feed(bytes: Buffer): LogChunk[] {
    const buf = this.carry ? Buffer.concat([this.carry, bytes]) : bytes;
    const out: LogChunk[] = [];
    const { options } = this;
    let at = 0;
    for (;;) {
      const nl = buf.indexOf(NEWLINE, at);
      if (nl < 0) break;
      const lineStart = at;
      at = nl + 1;
      const a = buf.indexOf(SPACE, lineStart);
      if (a < 0 || a > nl) continue;
      const b = buf.indexOf(SPACE, a + 1);
      if (b < 0 || b > nl) continue;
      const stream =
        buf.compare(STDOUT, 0, 6, a + 1, b) === 0
          ? 'stdout'
          : buf.compare(STDERR, 0, 6, a + 1, b) === 0
            ? 'stderr'
            : undefined;
      if (!stream) continue;
      const partialTag = buf[b + 1] === 0x50; /* P */
      // The text starts after the tag and its space; a line without text is an empty one.
      const textStart = Math.min(b + 3, nl);
      const ts = this.wantTime ? buf.toString('latin1', lineStart, a) : '';
      const joins = this.partial !== undefined && this.partial.stream === stream;
      if (partialTag) {
        const text = buf.subarray(textStart, nl);
        if (joins && this.partial) this.partial.parts.push(text);
        else this.partial = { ts, stream, parts: [text] };
        continue;
      }
      const first = joins ? this.partial : undefined;
      this.partial = undefined;
      const when = first ? first.ts : ts;
      if (options.since || options.until) {
        const t = seconds(when);
        if (options.since && t < options.since) continue;
        if (options.until && t > options.until) continue;
      }
      if (stream === 'stdout' ? !options.stdout : !options.stderr) continue;
      const data = first
        ? Buffer.concat([...first.parts, buf.subarray(textStart, nl + 1)])
        : buf.subarray(textStart, nl + 1);
      out.push({ stream, timestamp: options.timestamps ? dockerTimestamp(when) : '', data });
    }
    this.carry = at < buf.length ? Buffer.from(buf.subarray(at)) : undefined;
    return out;
  }
}

/** The last `n` entries of what passes through (memory bounded by `n`, not by the log). */
class TailKeeper {
  private kept: LogChunk[] = [];

  constructor(private readonly n: number) {}

  add(entries: LogChunk[]): void {
    if (this.n <= 0) return;
    for (const e of entries) this.kept.push(e);
    if (this.kept.length > 2 * this.n) this.kept = this.kept.slice(-this.n);
  }

  take(): LogChunk[] {
    return this.n <= 0 ? [] : this.kept.slice(-this.n);
  }
}

const readFd = promisify(read);

const NEWLINE = 0x0a;
const SPACE = 0x20;
const STDOUT = Buffer.from('stdout');
const STDERR = Buffer.from('stderr');

/** The tag (`F` full, `P` partial) of one k8s-file line: the byte after its second space. */
function lineTag(line: Buffer): number | undefined {
  const a = line.indexOf(SPACE);
  const b = a < 0 ? -1 : line.indexOf(SPACE, a + 1);
  return b < 0 ? undefined : line[b + 1];
}

/**
 * Where the last `n` entries of a log file start (a partial line belongs to the full line
 * after it), found by reading backwards: `docker logs --tail N` of a large log reads N lines,
 * not the file. Undefined when the file holds fewer than `n` entries (the rotated files before
 * it hold the rest); an unterminated last line is not an entry yet.
 */
export async function tailOffset(handle: FileHandle, n: number, size?: number): Promise<number | undefined> {
  let end = size ?? (await handle.stat()).size;
  let carry = Buffer.alloc(0);
  let found = 0;
  let start: number | undefined;
  let skippedLast = false;
  while (end > 0) {
    const from = Math.max(0, end - BLOCK);
    const block = Buffer.alloc(end - from);
    const { bytesRead } = await handle.read(block, 0, block.length, from);
    const buf =
      carry.length > 0 ? Buffer.concat([block.subarray(0, bytesRead), carry]) : block.subarray(0, bytesRead);
    // Lines that are whole in buf: those after a newline in it (the first one only at the file's start).
    let lineEnd = buf.length;
    for (let i = buf.length - 1; i >= -1; i--) {
      if (i >= 0 && buf[i] !== NEWLINE) continue;
      if (i < 0 && from > 0) break;
      const line = buf.subarray(i + 1, lineEnd);
      const lineStart = from + i + 1;
      lineEnd = i + 1;
      if (!skippedLast) {
        // Text after the file's last newline: not a whole line yet.
        skippedLast = true;
        if (line.length === 0 || line[line.length - 1] !== NEWLINE) continue;
      }
      if (line.length <= 1) continue;
      const tag = lineTag(line);
      if (found < n) {
        if (tag === 0x46 /* F */) found++;
        if (found === n) start = lineStart;
        continue;
      }
      if (tag === 0x50 /* P */) start = lineStart;
      else return start;
    }
    carry = buf.subarray(0, lineEnd);
    end = from;
  }
  return found >= n ? (start ?? 0) : undefined;
}

/**
 * Reads a conmon k8s-file log as Docker's log entries, in batches of one block's worth each
 * (so that a large log is neither held in memory nor written to the client one line at a
 * time). With `follow`, keeps reading until `done` resolves (the container ended) or the
 * signal aborts.
 */
export async function* readLogs(
  path: string,
  options: LogOptions,
  done: Promise<unknown> | undefined,
  signal: AbortSignal,
): AsyncGenerator<LogChunk[]> {
  const opened = await openChain(path);
  if (!opened) return;
  const older = opened.older;
  let handle = opened.live;
  let currentIno = (await handle.stat()).ino;
  let ended = false;
  void done?.then(() => {
    ended = true;
  });
  let wake: () => void = () => undefined;
  // The folder, not the file: conmon's next file after a rotation must wake the reader too.
  const name = basename(path);
  const watcher = options.follow
    ? watch(dirname(path), (_e, file) => {
        if (file?.startsWith(name)) wake();
      })
    : undefined;
  watcher?.on('error', () => undefined);
  const onAbort = () => wake();
  signal.addEventListener('abort', onAbort);
  const parser = new EntryParser(options);
  let tail = options.tail === undefined ? undefined : new TailKeeper(options.tail);
  try {
    let position = 0;
    // Without follow, a tail is the last N entries when it was asked for: lines the container
    // writes meanwhile are not read (they would make it N + 1).
    let limit = Number.POSITIVE_INFINITY;
    if (options.tail !== undefined) {
      // Only the live file's end is read when it holds the last N entries (it mostly does).
      const size = (await handle.stat()).size;
      const offset = options.tail <= 0 ? size : await tailOffset(handle, options.tail, size);
      if (offset !== undefined) {
        for (const fd of older.splice(0)) closeSync(fd);
        position = offset;
        tail = undefined;
        if (!options.follow) limit = size;
      }
    }
    /** The next block's entries of the live file; undefined at its end. */
    const nextBlock = async (): Promise<LogChunk[] | undefined> => {
      const want = Math.min(BLOCK, limit - position);
      if (want <= 0) return undefined;
      // A new buffer each time: the entries are views of it.
      const buf = Buffer.allocUnsafe(BLOCK);
      const { bytesRead } = await handle.read(buf, 0, want, position);
      if (bytesRead === 0) return undefined;
      position += bytesRead;
      return parser.feed(buf.subarray(0, bytesRead));
    };
    // What is there now: the rotated files, then the live one (a line may span two files).
    for (const fd of older.splice(0)) {
      try {
        for (;;) {
          const buf = Buffer.allocUnsafe(BLOCK);
          const { bytesRead: n } = await readFd(fd, buf, 0, BLOCK, null);
          if (n === 0) break;
          const entries = parser.feed(buf.subarray(0, n));
          if (tail) tail.add(entries);
          else if (entries.length > 0) yield entries;
        }
      } finally {
        closeSync(fd);
      }
    }
    for (let entries = await nextBlock(); entries; entries = await nextBlock()) {
      if (tail) tail.add(entries);
      else if (entries.length > 0) yield entries;
      if (signal.aborted) return;
    }
    if (tail) {
      const last = tail.take();
      if (last.length > 0) yield last;
    }
    while (options.follow && !signal.aborted) {
      const wasEnded = ended;
      let any = false;
      for (let entries = await nextBlock(); entries; entries = await nextBlock()) {
        any = true;
        if (entries.length > 0) yield entries;
      }
      if (wasEnded || signal.aborted) break;
      if (any) continue;
      // Rotated (log-rotation.ts): finish this file, then go on with the one after it.
      const files = logChain(path);
      if (files.length > 0 && files.at(-1)?.ino !== currentIno) {
        for (let entries = await nextBlock(); entries; entries = await nextBlock())
          if (entries.length > 0) yield entries;
        const at = files.findIndex((f) => f.ino === currentIno);
        const nextFile = at >= 0 ? files[at + 1] : files[0];
        const next = nextFile ? await open(nextFile.path, 'r').catch(() => undefined) : undefined;
        if (next) {
          await handle.close();
          handle = next;
          currentIno = (await handle.stat()).ino;
          position = 0;
          continue;
        }
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        void done?.then(() => resolve());
        setTimeout(resolve, 1000).unref();
      });
    }
  } finally {
    for (const fd of older) closeSync(fd);
    signal.removeEventListener('abort', onAbort);
    watcher?.close();
    await handle.close();
  }
}

/**
 * The log's files, oldest first, open: rotated ones as fds, the live one as a handle. Each is
 * opened by name right after the chain is listed and checked to be the file listed, so that a
 * rotation between the two (names shift: `.hold` becomes `.1`, the live file a held one) cannot
 * make the reader skip or repeat a file; then the listing is taken again.
 */
async function openChain(path: string): Promise<{ older: number[]; live: FileHandle } | undefined> {
  for (let attempt = 0; ; attempt++) {
    const chain = logChain(path);
    const last = chain.pop();
    if (!last) return undefined;
    const older: number[] = [];
    let same = true;
    for (const f of chain) {
      try {
        const fd = openSync(f.path, 'r');
        older.push(fd);
        if (fstatSync(fd).ino !== f.ino) same = false;
      } catch {
        same = false;
      }
      if (!same) break;
    }
    let live: FileHandle | undefined;
    if (same) {
      live = await open(last.path, 'r').catch(() => undefined);
      same = live !== undefined && (await live.stat()).ino === last.ino;
    }
    if (same && live) return { older, live };
    for (const fd of older) closeSync(fd);
    await live?.close();
    if (attempt >= 20) {
      // Rotating faster than we can list: the live file alone.
      return await open(path, 'r')
        .then((h) => ({ older: [], live: h }))
        .catch(() => undefined);
    }
  }
}
