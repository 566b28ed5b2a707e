import { OrderedWriter } from '../../state/ordered-writer.js';
import type { ContainerPaths } from './paths.js';
import type { ContainerRecord, ContainerState } from './record.js';

export interface ExitInfo {
  exitCode: number;
  error?: string;
}

/** Run after the container is created and before `runc start` (attachers connect); cancelled when the start fails. */
export interface BeforeStart {
  run(): Promise<void>;
  cancel(): void;
}

/** One container in memory: its record, its state, and who waits on it. */
export class LiveContainer {
  private exitWaiters: Array<(info: ExitInfo) => void> = [];
  private removeWaiters: Array<(info: ExitInfo) => void> = [];
  readonly beforeStart = new Set<BeforeStart>();
  private lock: Promise<unknown> = Promise.resolve();
  removed = false;
  /**
   * state.json and config.json, written in order and without fsync: a write need not be
   * awaited where a crash can be repaired from elsewhere (container-exit.ts says from what).
   */
  private readonly stateFile: OrderedWriter;
  private readonly recordFile: OrderedWriter;

  constructor(
    public record: ContainerRecord,
    public state: ContainerState,
    readonly paths: ContainerPaths,
  ) {
    this.stateFile = new OrderedWriter(paths.state, { durable: false });
    this.recordFile = new OrderedWriter(paths.config, { durable: false });
  }

  get id(): string {
    return this.record.id;
  }

  get running(): boolean {
    return (
      this.state.status === 'running' || this.state.status === 'paused' || this.state.status === 'restarting'
    );
  }

  /** Runs `fn` after every earlier locked action of this container. */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  /** Writes the state as it is now (after any earlier write of it); not once removed. */
  saveState(): Promise<void> {
    if (this.removed) return Promise.resolve();
    return this.stateFile.write(`${JSON.stringify(this.state, null, 2)}\n`);
  }

  saveRecord(): Promise<void> {
    if (this.removed) return Promise.resolve();
    return this.recordFile.write(`${JSON.stringify(this.record, null, 2)}\n`);
  }

  /** Resolves when the writes asked for so far have ended: before the container's folder goes. */
  async writesSettled(): Promise<void> {
    await Promise.all([this.stateFile.settled(), this.recordFile.settled()]);
  }

  nextExit(): Promise<ExitInfo> {
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  whenRemoved(): Promise<ExitInfo> {
    if (this.removed) return Promise.resolve({ exitCode: this.state.exitCode });
    return new Promise((resolve) => this.removeWaiters.push(resolve));
  }

  notifyExit(info: ExitInfo): void {
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    for (const w of waiters) w(info);
  }

  notifyRemoved(): void {
    this.removed = true;
    const waiters = this.removeWaiters;
    this.removeWaiters = [];
    for (const w of waiters) w({ exitCode: this.state.exitCode });
  }
}
