import { type AtomicWriteOptions, writeFileAtomic } from './atomic-file.js';

/**
 * One record file rewritten as its object changes (a container's state, an exec): writes go
 * out one at a time in call order, so a write that was not awaited can never land after a
 * newer one, and when several wait only the newest text is written. The text is taken when
 * write() is called, so later changes to the object are not included by accident.
 */
export class OrderedWriter {
  /** The newest text not yet handed to a write. */
  private pending: string | undefined;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly options: AtomicWriteOptions = {},
  ) {}

  /**
   * Resolves once the file holds `text` or a newer one; rejects when that write failed (the
   * text is then kept for the next write, unless a newer one came).
   */
  write(text: string): Promise<void> {
    this.pending = text;
    const step = this.tail.then(async () => {
      const t = this.pending;
      if (t === undefined) return;
      this.pending = undefined;
      try {
        await writeFileAtomic(this.path, t, 0o600, this.options);
      } catch (err) {
        this.pending ??= t;
        throw err;
      }
    });
    this.tail = step.catch(() => undefined);
    return step;
  }

  /** Resolves when every write asked for so far has ended (landed or failed). */
  settled(): Promise<void> {
    return this.tail;
  }
}
