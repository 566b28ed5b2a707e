import { type ChildProcess, type StdioOptions, spawn as spawnChild } from 'node:child_process';
import { execa, type Options, type ResultPromise } from 'execa';
import { type ErrorOptions, Internal } from '../errdefs/index.js';
import { moduleLogger } from '../log/index.js';

const log = moduleLogger('exec');

/** A failed external program: the command, its exit code and the tail of its stderr. */
export class CommandFailed extends Internal {
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderrTail: string,
    readonly signal: string | undefined,
    options: ErrorOptions = {},
  ) {
    const how = signal ? `signal ${signal}` : `exit code ${exitCode ?? 'unknown'}`;
    super(`${command}: ${how}${stderrTail ? `: ${stderrTail}` : ''}`, options);
  }
}

export interface RunOptions {
  /** Milliseconds before the program is killed; every call has one. */
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
  /** Replace the environment instead of extending process.env. */
  extendEnv?: boolean;
  cwd?: string;
  input?: string | Buffer;
  /** Return stdout as a Buffer instead of a string. */
  binary?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

function tail(text: string, max = 2000): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}

export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/**
 * Runs a program to completion and returns its output. Arguments are an array, never a
 * shell string. A non-zero exit throws CommandFailed carrying the stderr tail.
 *
 * Built on node:child_process directly rather than execa: a container run spawns about ten
 * short programs (mount, ip, runc…), and execa's per-call set-up costs about 1.5 ms of CPU
 * each (PLATFORM.md: spawn 1.2 ms, execa 2.6 ms).
 */
export async function run(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const line = commandLine(file, args);
  log.debug({ cmd: line }, 'run');
  const t0 = performance.now();
  const result = await runChild(file, args, options);
  log.debug({ cmd: line, ms: Math.round(performance.now() - t0), exitCode: result.exitCode }, 'ran');
  if (result.exitCode !== 0 || result.signal || result.error) {
    throw new CommandFailed(
      line,
      result.exitCode,
      tail(result.stderr || result.why || result.error?.message || ''),
      result.signal,
    );
  }
  return { stdout: result.stdout, stderr: result.stderr, exitCode: 0 };
}

interface ChildOutcome {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
  signal: string | undefined;
  error?: Error;
  /** Why the program was stopped: timed out or cancelled. */
  why?: string;
}

function runChild(file: string, args: readonly string[], options: RunOptions): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const env =
      options.extendEnv === false
        ? { ...options.env }
        : options.env
          ? { ...process.env, ...options.env }
          : undefined;
    let why: string | undefined;
    let child: ReturnType<typeof spawnChild>;
    try {
      child = spawnChild(file, [...args], {
        cwd: options.cwd,
        env: env as NodeJS.ProcessEnv | undefined,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      resolve({ stdout: '', stderr: '', exitCode: undefined, signal: undefined, error: err as Error });
      return;
    }
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => errOut.push(d));
    const timer = setTimeout(() => {
      why = 'timed out';
      child.kill('SIGTERM');
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const onAbort = () => {
      why = 'cancelled';
      child.kill('SIGTERM');
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(errOut).toString(),
        exitCode: spawnError ? undefined : (code ?? undefined),
        signal: signal ?? undefined,
        ...(spawnError ? { error: spawnError } : {}),
        ...(why ? { why } : {}),
      });
    });
  });
}

export interface SpawnOptions extends Omit<Options, 'timeout' | 'reject'> {
  timeoutMs?: number;
}

/**
 * Starts a long-running program (holder, slirp4netns, engine, conmon) and returns the
 * child. Failures are the caller's to observe; the command line is logged at debug.
 */
export function spawn(file: string, args: readonly string[], options: SpawnOptions = {}): ResultPromise {
  const line = commandLine(file, args);
  log.debug({ cmd: line }, 'spawn');
  const { timeoutMs, ...rest } = options;
  return execa(file, args, { ...rest, reject: false, ...(timeoutMs ? { timeout: timeoutMs } : {}) });
}

/** True when a program answers `--version` (or the given args) with exit code 0. */
export async function probe(
  file: string,
  args: readonly string[] = ['--version'],
): Promise<RunResult | undefined> {
  try {
    return await run(file, args, { timeoutMs: 5000 });
  } catch {
    return undefined;
  }
}

export interface SpawnPipesOptions {
  /** stdio as node:child_process takes it (extra pipes for conmon's sync/start/attach fds). */
  stdio: StdioOptions;
  /** Added to the engine's environment. */
  env?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Starts a program with extra pipes and no output buffering, straight on node:child_process
 * (conmon, once per container start and per exec: execa's set-up is CPU on that path). The
 * child is not killed when the engine exits. A spawn failure surfaces as the child's
 * `error` event and a `close` with no exit code.
 */
export function spawnPipes(file: string, args: readonly string[], options: SpawnPipesOptions): ChildProcess {
  log.debug({ cmd: commandLine(file, args) }, 'spawn');
  const child = spawnChild(file, [...args], {
    stdio: options.stdio,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  child.on('error', (err) => log.debug({ err, file }, 'spawn failed'));
  return child;
}
