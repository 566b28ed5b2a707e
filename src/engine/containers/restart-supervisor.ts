import { moduleLogger } from '../../log/index.js';
import type { LiveContainer } from './live-container.js';
import { hostConfigOf } from './record.js';
import {
  nextBackoff,
  parseRestartPolicy,
  type RestartPolicy,
  shouldRestartAtEngineStart,
  shouldRestartOnExit,
} from './restart-policy.js';

const log = moduleLogger('restart-policy');

/**
 * Applies restart policies: on a container's exit (not after a user's stop/kill, which sets
 * `stoppedByUser`) with Docker's back-off, and at engine start. Counts restarts in the state.
 */
export class RestartSupervisor {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly delays = new Map<string, number>();
  private readonly policyStarts = new Set<string>();
  /** Policy starts under way: the timer fired, the container is not running yet. */
  private readonly inflight = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly lookup: (id: string) => LiveContainer | undefined,
    private readonly start: (id: string) => Promise<void>,
  ) {}

  /** True (once) when the next start of `id` is a policy restart (RestartCount kept). */
  takePolicyStart(id: string): boolean {
    return this.policyStarts.delete(id);
  }

  /** The container's process ended: schedule a restart if its policy says so. */
  onExit(c: LiveContainer): void {
    if (this.closed || c.removed) return;
    const policy = policyOf(c);
    const restartCount = c.state.restartCount ?? 0;
    if (
      !shouldRestartOnExit(policy, {
        exitCode: c.state.exitCode,
        stoppedByUser: Boolean(c.state.stoppedByUser),
        restartCount,
      })
    ) {
      this.delays.delete(c.id);
      return;
    }
    const ranFor = Date.parse(c.state.finishedAt) - Date.parse(c.state.startedAt);
    const delay = nextBackoff(this.delays.get(c.id), Number.isFinite(ranFor) ? ranFor : 0);
    this.delays.set(c.id, delay);
    log.info({ id: c.id, policy: policy.name, delayMs: delay, restartCount }, 'restart scheduled');
    this.schedule(c.id, delay, true);
  }

  /** Starts `always` and (not user-stopped) `unless-stopped` containers that are not running. */
  atEngineStart(containers: LiveContainer[]): void {
    for (const c of containers) {
      if (c.running || this.timers.has(c.id)) continue;
      const everStarted = !c.state.startedAt.startsWith('0001-');
      if (
        shouldRestartAtEngineStart(policyOf(c), {
          stoppedByUser: Boolean(c.state.stoppedByUser),
          everStarted,
        })
      )
        this.schedule(c.id, 0, false);
    }
  }

  /**
   * A user's stop/kill: no pending restart survives it. A policy start already under way is
   * waited for, so the caller then stops what it started (else a stop arriving mid-start
   * answered "not running" and the container came up right after).
   */
  async cancel(c: LiveContainer): Promise<void> {
    const inflight = this.inflight.get(c.id);
    if (inflight) await inflight;
    const pending = this.timers.get(c.id);
    this.forget(c.id);
    if ((pending || inflight) && !c.running) {
      c.state.stoppedByUser = true;
      await c.saveState().catch(() => undefined);
    }
  }

  forget(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
    this.delays.delete(id);
    this.policyStarts.delete(id);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(id: string, delayMs: number, counts: boolean): void {
    const old = this.timers.get(id);
    if (old) clearTimeout(old);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      const c = this.lookup(id);
      if (!c || c.removed || c.running || this.closed) return;
      if (counts) {
        c.state.restartCount = (c.state.restartCount ?? 0) + 1;
        this.policyStarts.add(id);
      }
      const started = this.start(id)
        .catch((err: unknown) => {
          this.policyStarts.delete(id);
          log.warn({ err, id }, 'restart by policy failed');
          // A failed start counts as an exit for the policy (Docker retries with back-off).
          const again = this.lookup(id);
          if (again && !again.running) this.onExit(again);
        })
        .finally(() => this.inflight.delete(id));
      this.inflight.set(id, started);
    }, delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }
}

export function policyOf(c: LiveContainer): RestartPolicy {
  try {
    return parseRestartPolicy(hostConfigOf(c.record).RestartPolicy);
  } catch {
    return { name: 'no', maximumRetryCount: 0 };
  }
}
