import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { LAUNCHER_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { createDaemonEnv, type DaemonEnv, type DaemonEnvOptions, removeDaemonEnv } from './daemon-env.js';
import { pings } from './http.js';
import { childrenOf, descendantsOf, isAlive, processUids, sleep, within } from './proc.js';
import { asUserCommand } from './test-user.js';

export interface StartDaemonOptions extends DaemonEnvOptions {
  /** Extra launcher arguments. */
  args?: string[];
  /** How long the socket may take to answer /_ping (default 30 s). */
  readyTimeoutMs?: number;
  /** Another build's `dist/cli/main.js` (benchmarks comparing two builds); the user must read it. */
  main?: string;
  /** The folders of a daemon stopped with `keepDirs` (a restart of the same daemon). */
  reuse?: DaemonEnv;
}

export interface DaemonPids {
  launcher?: number;
  holder?: number;
  engine?: number;
  slirp?: number;
  /** Any other NAME.pid file under $XDG_RUNTIME_DIR/rootlessd. */
  others: Record<string, number>;
}

export interface StopResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The launcher did not exit within the grace period and was killed. */
  timedOut: boolean;
  /** Daemon processes still alive after the launcher exited (then killed). */
  leftovers: number[];
}

export interface Daemon extends DaemonEnv {
  /** The launcher (`node dist/cli/main.js`), running as the user. */
  launcherPid: number;
  /** Reads the pid files under $XDG_RUNTIME_DIR/rootlessd. */
  pids(): DaemonPids;
  /** The launcher and its descendants, and every process named by a pid file, alive now. */
  processes(): number[];
  /** The launcher's stdout and stderr, interleaved, so far. */
  output(): string;
  stderr(): string;
  /** Resolves when the launcher exits. */
  exited: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGTERM to the launcher, wait, kill what is left, remove the folders. Idempotent. */
  stop(options?: { graceMs?: number; keepDirs?: boolean }): Promise<StopResult>;
}

/**
 * The last `max` characters of a growing text. Chunks are kept as they come and joined only when
 * read: a debug-level daemon writes thousands of lines, and copying the whole tail at each one
 * cost the test process more CPU than the engine spent.
 */
class TailText {
  private chunks: string[] = [];
  private length = 0;

  constructor(private readonly max: number) {}

  add(s: string): void {
    this.chunks.push(s);
    this.length += s.length;
    if (this.length > 2 * this.max) this.chunks = [this.text()];
  }

  text(): string {
    const all = this.chunks.join('').slice(-this.max);
    this.chunks = [all];
    this.length = all.length;
    return all;
  }
}

const live = new Set<Daemon>();
process.once('exit', () => {
  for (const d of live) {
    for (const pid of [d.launcherPid, ...d.processes()]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
});

function readPid(file: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function tail(text: string, max = 8000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

/** Starts the launcher as the test user and waits until its socket answers /_ping. */
export async function startDaemon(options: StartDaemonOptions = {}): Promise<Daemon> {
  const denv = options.reuse ?? (await createDaemonEnv(options));
  // With the flags it runs with in production (`rootlessd`, `npm start`, the systemd unit).
  const cmd = asUserCommand(
    denv.user,
    process.execPath,
    [...LAUNCHER_NODE_FLAGS, options.main ?? denv.main, ...(options.args ?? [])],
    denv.env,
  );
  const log: WriteStream = createWriteStream(join(denv.base, 'daemon.log'));
  const out = new TailText(200_000);
  const err = new TailText(200_000);
  const child: ChildProcess = spawn(cmd.file, cmd.args, {
    cwd: '/',
    env: cmd.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const echo = process.env.RLT_DAEMON_LOG === '1';
  child.stdout?.on('data', (c: Buffer) => {
    out.add(c.toString());
    log.write(c);
    if (echo) process.stderr.write(c);
  });
  child.stderr?.on('data', (c: Buffer) => {
    out.add(c.toString());
    err.add(c.toString());
    log.write(c);
    if (echo) process.stderr.write(c);
  });
  let exitInfo: { exitCode: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (exitCode, signal) => {
      exitInfo = { exitCode, signal };
      resolve(exitInfo);
    });
    child.on('error', (e) => {
      err.add(`\nspawn failed: ${e.message}`);
      out.add(`\nspawn failed: ${e.message}`);
      exitInfo = { exitCode: 127, signal: null };
      resolve(exitInfo);
    });
  });

  // Through runuser the launcher is runuser's child; signal it directly (runuser answers a
  // SIGTERM with a SIGKILL to its child two seconds later).
  let launcherPid = child.pid ?? -1;
  if (denv.user.viaRunuser && child.pid) {
    for (let i = 0; i < 100 && !exitInfo; i++) {
      const kids = childrenOf(child.pid);
      if (kids.length > 0) {
        launcherPid = kids[0]!;
        break;
      }
      await sleep(50);
    }
  }

  const pids = (): DaemonPids => {
    const p = denv.paths;
    const known = new Set([p.launcherPid, p.holderPid, p.enginePid, p.slirpPid]);
    const others: Record<string, number> = {};
    if (existsSync(p.base)) {
      for (const f of readdirSync(p.base)) {
        const file = join(p.base, f);
        if (!f.endsWith('.pid') || known.has(file)) continue;
        const pid = readPid(file);
        if (pid) others[f.slice(0, -4)] = pid;
      }
    }
    return {
      launcher: readPid(p.launcherPid),
      holder: readPid(p.holderPid),
      engine: readPid(p.enginePid),
      slirp: readPid(p.slirpPid),
      others,
    };
  };
  const ownedByUser = (pid: number) => processUids(pid)?.[0] === denv.user.uid;
  const processes = (): number[] => {
    const p = pids();
    const candidates = new Set<number>([launcherPid, ...descendantsOf(launcherPid)]);
    for (const pid of [p.launcher, p.holder, p.engine, p.slirp, ...Object.values(p.others)]) {
      if (pid) for (const q of [pid, ...descendantsOf(pid)]) candidates.add(q);
    }
    return [...candidates].filter((pid) => isAlive(pid) && ownedByUser(pid));
  };

  let stopping: Promise<StopResult> | undefined;
  const daemon: Daemon = {
    ...denv,
    launcherPid,
    pids,
    processes,
    output: () => out.text(),
    stderr: () => err.text(),
    exited,
    hasExited: () => exitInfo !== undefined,
    stop(stopOptions = {}) {
      stopping ??= (async () => {
        const known = new Set(processes());
        let timedOut = false;
        if (!exitInfo) {
          try {
            process.kill(launcherPid, 'SIGTERM');
          } catch {}
          const grace = stopOptions.graceMs ?? 20_000;
          const res = await within(exited, grace);
          if (!res) {
            timedOut = true;
            try {
              process.kill(launcherPid, 'SIGKILL');
            } catch {}
            if (child.pid) {
              try {
                process.kill(child.pid, 'SIGKILL');
              } catch {}
            }
            await exited;
          }
        }
        for (const pid of processes()) known.add(pid);
        // Give what the launcher stopped a moment to be gone before calling it left over.
        let leftovers: number[] = [];
        for (let i = 0; i < 20; i++) {
          leftovers = [...known].filter((pid) => isAlive(pid) && ownedByUser(pid));
          if (leftovers.length === 0) break;
          await sleep(100);
        }
        for (const pid of leftovers) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {}
        }
        for (let i = 0; i < 50 && leftovers.some(isAlive); i++) await sleep(100);
        live.delete(daemon);
        log.end();
        if (!stopOptions.keepDirs) await removeDaemonEnv(denv);
        const final = exitInfo ?? { exitCode: null, signal: null };
        return { ...final, timedOut, leftovers };
      })();
      return stopping;
    },
  };
  live.add(daemon);

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exitInfo) {
      await daemon.stop();
      throw new Error(
        `the launcher exited (code ${exitInfo.exitCode}, signal ${exitInfo.signal}) before ${denv.socket} answered /_ping; its output:\n${tail(out.text())}`,
      );
    }
    if (await pings(denv.socket, 1000)) return daemon;
    if (Date.now() > deadline) {
      await daemon.stop({ graceMs: 5000 });
      throw new Error(
        `${denv.socket} did not answer /_ping within ${options.readyTimeoutMs ?? 30_000} ms; the launcher's output:\n${tail(out.text())}`,
      );
    }
    await sleep(100);
  }
}
