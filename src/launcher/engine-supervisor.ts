import { rm } from 'node:fs/promises';
import { Internal } from '../errdefs/index.js';
import type { EngineConfig } from '../ipc/engine-config.js';
import { moduleLogger } from '../log/index.js';
import { type EngineCommand, engineEnvironment, spawnEngine } from './engine-process.js';
import { waitForPing } from './ping.js';
import { removeFile, signalProcess, sleep, waitForExit, writePidFile } from './proc.js';

const log = moduleLogger('engine-supervisor');
/** Start-up tries when the engine is killed by a signal before it answers. */
const START_ATTEMPTS = 3;

/** A crash within this time after a start counts as a fast crash. */
const FAST_CRASH_MS = 5000;
/** Fast crashes tolerated in a row before restarts slow down. */
const FREE_RESTARTS = 3;
const MAX_BACKOFF_MS = 10_000;

/** The delay before the next start, given the number of fast crashes in a row (pure, for tests). */
export function restartDelay(fastCrashesInARow: number): number {
  if (fastCrashesInARow <= FREE_RESTARTS) return 0;
  return Math.min(250 * 2 ** (fastCrashesInARow - FREE_RESTARTS - 1), MAX_BACKOFF_MS);
}

export interface EngineSupervisorOptions {
  holderPid: number;
  asRoot: boolean;
  command: EngineCommand;
  config: EngineConfig;
  pidFile: string;
  logLevel?: string;
  /** How long the first start may take before the launcher gives up. */
  startTimeoutMs?: number;
  /** How long a stopping engine may take before SIGKILL. */
  stopTimeoutMs?: number;
}

export interface EngineSupervisor {
  readonly pid: number | undefined;
  /** Replaces the configuration used for later restarts. */
  setConfig(config: EngineConfig): void;
  /** Forwards SIGHUP (configuration reload). */
  reload(): void;
  stop(): Promise<void>;
}

interface Run {
  pid: number;
  startedAt: number;
  exited: Promise<{ code: number | undefined; signal: string | undefined }>;
  done: boolean;
}

/**
 * Starts the engine, waits until its first unix socket answers /_ping, and supervises it:
 * an engine that dies unexpectedly is started again at once (with back-off only after
 * repeated fast crashes). The holder and what runs in it are left alone.
 */
export async function superviseEngine(options: EngineSupervisorOptions): Promise<EngineSupervisor> {
  let config = options.config;
  let stopping = false;
  let fastCrashes = 0;
  const firstSocket = config.unixSockets[0];
  if (!firstSocket) throw new Internal('the engine has no unix socket to listen on');

  const startOnce = async (): Promise<Run> => {
    // The previous engine is gone: its socket files are stale and would block listen().
    await Promise.all(config.unixSockets.map((s) => rm(s, { force: true })));
    const child = spawnEngine({
      holderPid: options.holderPid,
      asRoot: options.asRoot,
      command: options.command,
      env: engineEnvironment(config, options.logLevel ?? config.daemon['log-level']),
    });
    if (child.pid === undefined) throw new Internal('could not start the engine (nsenter)');
    const run: Run = {
      pid: child.pid,
      startedAt: Date.now(),
      exited: child.then(
        (r) => ({ code: r.exitCode, signal: r.signal }),
        () => ({ code: undefined, signal: undefined }),
      ),
      done: false,
    };
    void run.exited.then(() => {
      run.done = true;
    });
    await writePidFile(options.pidFile, run.pid);
    return run;
  };

  let current = await startOnce();
  // An engine killed by a signal during start-up (someone's kill -9, the OOM killer) is
  // started again, as after start-up; one that exits with a code has a real problem.
  for (let attempt = 1; ; attempt++) {
    const ready = await waitForPing(firstSocket, {
      timeoutMs: options.startTimeoutMs ?? 30_000,
      isGone: () => current.done,
    });
    if (ready) break;
    const outcome = current.done ? await current.exited : undefined;
    if (outcome?.signal && attempt < START_ATTEMPTS) {
      log.warn(
        { enginePid: current.pid, signal: outcome.signal },
        'engine killed during start-up; starting it again',
      );
      current = await startOnce();
      continue;
    }
    signalProcess(current.pid, 'SIGKILL');
    await removeFile(options.pidFile);
    throw new Internal(
      outcome
        ? `the engine exited during start-up (${outcome.signal ? `signal ${outcome.signal}` : `exit code ${outcome.code}`}); see its log above`
        : `the engine did not answer on ${firstSocket} within ${options.startTimeoutMs ?? 30_000} ms`,
    );
  }
  log.info({ enginePid: current.pid }, 'engine ready');

  const watch = (run: Run): void => {
    void run.exited.then(async ({ code, signal }) => {
      if (stopping) return;
      const lived = Date.now() - run.startedAt;
      fastCrashes = lived < FAST_CRASH_MS ? fastCrashes + 1 : 1;
      const delay = restartDelay(fastCrashes);
      log.error(
        { enginePid: run.pid, code, signal, livedMs: lived, restartInMs: delay },
        'engine died; starting it again',
      );
      if (delay > 0) await sleep(delay);
      if (stopping) return;
      try {
        current = await startOnce();
      } catch (err) {
        log.error({ err }, 'engine restart failed');
        fastCrashes++;
        watch({
          ...run,
          startedAt: Date.now(),
          exited: Promise.resolve({ code: undefined, signal: undefined }),
        });
        return;
      }
      watch(current);
      const next = current;
      if (await waitForPing(firstSocket, { timeoutMs: 30_000, isGone: () => next.done })) {
        log.info({ enginePid: next.pid }, 'engine answering again');
      }
    });
  };
  watch(current);

  return {
    get pid() {
      return current.pid;
    },
    setConfig(next) {
      config = next;
    },
    reload() {
      if (!current.done) signalProcess(current.pid, 'SIGHUP');
    },
    async stop() {
      stopping = true;
      const run = current;
      if (!run.done) {
        signalProcess(run.pid, 'SIGTERM');
        if (!(await waitForExit(run.pid, options.stopTimeoutMs ?? 55_000))) {
          log.warn({ enginePid: run.pid }, 'engine did not stop in time; killing it');
          signalProcess(run.pid, 'SIGKILL');
        }
        await run.exited;
      }
      await removeFile(options.pidFile);
      await Promise.all(config.unixSockets.map((s) => rm(s, { force: true })));
    },
  };
}
