import { readFile } from 'node:fs/promises';
import { moduleLogger } from '../../log/index.js';
import {
  applyResult,
  type HealthConfig,
  type HealthResult,
  nextDelayMs,
  type Probe,
  probeOf,
  startingHealth,
  truncateOutput,
} from './healthcheck.js';
import type { LiveContainer } from './live-container.js';
import { configOf } from './record.js';

const log = moduleLogger('containers.health');

/** The container's init has ended (gone, or a zombie that conmon has yet to reap). */
async function initGone(pid: number): Promise<boolean> {
  if (!pid || pid <= 0) return false;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return true;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

/** Runs one probe in the container; a timeout must end it and answer exit code -1. */
export type ProbeRunner = (
  c: LiveContainer,
  cmd: string[],
  timeoutMs: number,
) => Promise<{ exitCode: number; output: string }>;

export interface HealthMonitorOptions {
  /** Set once the exec machinery exists (daemon.ts wires it). */
  run?: ProbeRunner;
  publish(c: LiveContainer, action: string): void;
}

interface Watch {
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
}

/** One probe loop per running container that has a health check (Docker's daemon/health.go). */
export class HealthMonitor {
  private readonly watches = new Map<string, Watch>();

  constructor(readonly o: HealthMonitorOptions) {}

  /**
   * Starts probing. `fresh` resets the status to `starting` (streak 0, log kept), as Docker
   * does at a start and at its restore of a running container after a daemon restart.
   */
  begin(c: LiveContainer, fresh: boolean): void {
    this.end(c);
    const probe = probeOf(configOf(c.record).Healthcheck as HealthConfig | undefined);
    if (!probe) return;
    if (fresh || !c.state.health) c.state.health = startingHealth(c.state.health);
    const w: Watch = { timer: undefined, stopped: false };
    this.watches.set(c.id, w);
    this.schedule(c, w, probe);
  }

  /** Stops probing (the container stopped, is removed, or the engine closes). */
  end(c: LiveContainer): void {
    const w = this.watches.get(c.id);
    if (!w) return;
    w.stopped = true;
    if (w.timer) clearTimeout(w.timer);
    this.watches.delete(c.id);
  }

  close(): void {
    for (const w of this.watches.values()) {
      w.stopped = true;
      if (w.timer) clearTimeout(w.timer);
    }
    this.watches.clear();
  }

  private schedule(c: LiveContainer, w: Watch, probe: Probe): void {
    if (w.stopped || !c.state.health) return;
    const delay = nextDelayMs(c.state.health, probe, c.state.startedAt);
    w.timer = setTimeout(() => void this.tick(c, w, probe), delay);
    w.timer.unref();
  }

  private async tick(c: LiveContainer, w: Watch, probe: Probe): Promise<void> {
    w.timer = undefined;
    const run = this.o.run;
    // A paused container (or one between restarts) is not probed; the loop waits.
    if (!run || c.state.status !== 'running') return this.schedule(c, w, probe);
    const start = new Date().toISOString();
    let result: HealthResult;
    try {
      const { exitCode, output } = await run(c, probe.cmd, probe.timeoutMs);
      result = {
        Start: start,
        End: new Date().toISOString(),
        ExitCode: exitCode,
        Output: truncateOutput(output),
      };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      result = { Start: start, End: new Date().toISOString(), ExitCode: -1, Output: truncateOutput(message) };
    }
    if (w.stopped || !c.state.health || c.state.status !== 'running') return;
    // A probe killed with the container (stop, kill) is no verdict: as Docker, a stop brings
    // no health_status event (the exit, seen just after, makes the status unhealthy).
    if (result.ExitCode !== 0 && (await initGone(c.state.pid))) return;
    const before = c.state.health.Status;
    c.state.health = applyResult(c.state.health, result, probe, c.state.startedAt);
    await c.saveState().catch((err: unknown) => log.warn({ err, id: c.id }, 'state write failed'));
    if (c.state.health.Status !== before) this.o.publish(c, `health_status: ${c.state.health.Status}`);
    this.schedule(c, w, probe);
  }
}
