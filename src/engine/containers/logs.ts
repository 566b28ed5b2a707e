import { closeSync, fstatSync, openSync, readFile as readFd, watch } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
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

/**
 * Reads a conmon k8s-file log as Docker's log entries (partial lines joined). With
 * `follow`, keeps reading until `done` resolves (the container ended) or the signal aborts.
 */
export async function* readLogs(
  path: string,
  options: LogOptions,
  done: Promise<unknown> | undefined,
  signal: AbortSignal,
): AsyncGenerator<LogChunk> {
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
  try {
    let position = 0;
    let rest = '';
    let partial: { ts: string; stream: 'stdout' | 'stderr'; text: string } | undefined;
    const collect = (text: string): LogChunk[] => {
      const out: LogChunk[] = [];
      for (const line of text.split('\n')) {
        const entry = parseLogLine(line);
        if (!entry) continue;
        const joined = partial && partial.stream === entry.stream ? partial.text + entry.text : entry.text;
        const ts = partial && partial.stream === entry.stream ? partial.ts : entry.ts;
        if (entry.partial) {
          partial = { ts, stream: entry.stream, text: joined };
          continue;
        }
        partial = undefined;
        const t = seconds(ts);
        if (options.since && t < options.since) continue;
        if (options.until && t > options.until) continue;
        if (entry.stream === 'stdout' ? !options.stdout : !options.stderr) continue;
        out.push({ stream: entry.stream, timestamp: dockerTimestamp(ts), data: Buffer.from(`${joined}\n`) });
      }
      return out;
    };
    const readMore = async (): Promise<LogChunk[]> => {
      const buf = Buffer.alloc(256 * 1024);
      let text = '';
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        text += buf.subarray(0, bytesRead).toString('utf8');
      }
      const all = rest + text;
      const cut = all.lastIndexOf('\n');
      rest = cut < 0 ? all : all.slice(cut + 1);
      return cut < 0 ? [] : collect(all.slice(0, cut));
    };
    let oldText = '';
    for (const fd of older.splice(0)) oldText += await readAndClose(fd);
    rest = oldText;
    let first = await readMore();
    if (options.tail !== undefined) first = options.tail <= 0 ? [] : first.slice(-options.tail);
    for (const chunk of first) yield chunk;
    while (options.follow && !signal.aborted) {
      const wasEnded = ended;
      const more = await readMore();
      for (const chunk of more) yield chunk;
      if (wasEnded || signal.aborted) break;
      if (more.length > 0) continue;
      // Rotated (log-rotation.ts): finish this file, then go on with the one after it.
      const files = logChain(path);
      if (files.length > 0 && files.at(-1)?.ino !== currentIno) {
        for (const chunk of await readMore()) yield chunk;
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

function readAndClose(fd: number): Promise<string> {
  return new Promise((resolve) => {
    readFd(fd, 'utf8', (err, text) => {
      closeSync(fd);
      resolve(err ? '' : text);
    });
  });
}
