/** Runs at most `limit` tasks at once; the rest wait in order. */
export class TaskPool {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Runs `task` when a slot is free; `onWait` is called when it has to wait first. */
  async run<T>(task: () => Promise<T>, onWait?: () => void): Promise<T> {
    if (this.running >= this.limit) {
      onWait?.();
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}
