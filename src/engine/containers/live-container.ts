import { writeJsonAtomic } from '../../state/atomic-file.js';
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

  constructor(
    public record: ContainerRecord,
    public state: ContainerState,
    readonly paths: ContainerPaths,
  ) {}

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

  async saveState(): Promise<void> {
    await writeJsonAtomic(this.paths.state, this.state, { durable: false });
  }

  async saveRecord(): Promise<void> {
    await writeJsonAtomic(this.paths.config, this.record, { durable: false });
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
