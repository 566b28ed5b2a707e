/** One message of Docker's JSON progress stream (jsonmessage.JSONMessage). */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  errorDetail?: { message: string };
  error?: string;
  aux?: unknown;
}

export type ProgressSink = (message: ProgressMessage) => void;

/** Docker's units.HumanSize: decimal units, four significant digits (`2.152MB`). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${Number(value.toPrecision(4))}${units[i]}`;
}

/** The bar Docker's JSONProgress.String() draws: `[=====>     ]  1.2MB/2.5MB`. */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return `${humanSize(current).padStart(8)}`;
  const filled = Math.min(50, Math.floor((current / total) * 50));
  const bar = filled >= 50 ? `[${'='.repeat(50)}>]` : `[${'='.repeat(filled)}>${' '.repeat(49 - filled)}]`;
  return `${bar} ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** A progress message with its detail and bar. */
export function progressMessage(id: string, status: string, current: number, total: number): ProgressMessage {
  return { status, progressDetail: { current, total }, progress: progressBar(current, total), id };
}

/** Docker's short id of a layer in progress output: the first 12 hex digits of its digest. */
export function shortLayerId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * A push-based queue read as an async iterable: producers call push/end/fail, one consumer
 * iterates. Keeps the order and never drops a message.
 */
export class MessageQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: (() => void) | undefined;
  private done = false;
  private failure: { err: unknown } | undefined;

  push(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.wake();
  }

  end(): void {
    this.done = true;
    this.wake();
  }

  fail(err: unknown): void {
    if (this.done) return;
    this.failure = { err };
    this.done = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.done) {
        if (this.failure) throw this.failure.err;
        return;
      }
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }
}
