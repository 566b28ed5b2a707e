import type { Duplex } from 'node:stream';
import { execa, type Options, type ResultPromise } from 'execa';
import { type ErrorOptions, Internal } from '../errdefs/index.js';
import { moduleLogger } from '../log/index.js';
import { type SpawnStdio, spawnNative } from './native-spawn.js';

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
 * shell string. A non-zero exit throws CommandFailed carrying the stderr tail. Each run's
 * duration is logged at debug (a container run spawns several short programs).
 */
export async function run(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const line = commandLine(file, args);
  log.debug({ cmd: line }, 'run');
  const t0 = performance.now();
  const result = await execa(file, args, {
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    cancelSignal: options.signal,
    env: options.env,
    extendEnv: options.extendEnv ?? true,
    cwd: options.cwd,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    reject: false,
    stripFinalNewline: false,
  });
  log.debug({ cmd: line, ms: Math.round(performance.now() - t0), exitCode: result.exitCode }, 'ran');
  if (result.failed) {
    throw new CommandFailed(
      line,
      result.exitCode,
      tail(
        String(result.stderr ?? '') ||
          (result.isCanceled ? 'cancelled' : result.timedOut ? 'timed out' : '') ||
          String(result.shortMessage ?? ''),
      ),
      result.signal,
    );
  }
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? 0 };
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
  /** stdio with extra pipes (conmon's sync/start/attach fds). */
  stdio: Options['stdio'];
  /** Added to the engine's environment. */
  env?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Starts a program with extra pipes and no output buffering (conmon, once per container
 * start and per exec). The child is not killed when the engine exits. A spawn failure
 * surfaces as the child's `error` event and a `close` with no exit code.
 */
export function spawnPipes(file: string, args: readonly string[], options: SpawnPipesOptions): ResultPromise {
  log.debug({ cmd: commandLine(file, args) }, 'spawn');
  const child = execa(file, args, {
    stdio: options.stdio,
    ...(options.env ? { env: options.env } : {}),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    buffer: false,
    cleanup: false,
    reject: false,
  });
  child.on('error', (err) => log.debug({ err, file }, 'spawn failed'));
  return child;
}

/** The engine's end of each of a light spawn's "pipe" descriptors, by the child's number. */
export interface LightChild {
  pid: number | undefined;
  stdio: Array<Duplex | undefined>;
}

/**
 * As spawnPipes, for a program started on a client's path (conmon for an exec): through our
 * vfork addon (native-spawn.ts) when it was built, as Node's fork of the whole engine costs
 * several ms with the event loop blocked; else through execa. Descriptors are /dev/null or
 * socket pairs; the child is reaped but its exit is not reported (the caller reads its pipes).
 * Throws when the addon cannot run the program.
 */
export function spawnLight(
  file: string,
  args: readonly string[],
  options: { stdio: [SpawnStdio, SpawnStdio, SpawnStdio, ...SpawnStdio[]]; env?: Record<string, string> },
): LightChild {
  const native = spawnNative(file, args, options);
  if (native) {
    log.debug({ cmd: commandLine(file, args), via: 'vfork' }, 'spawn');
    return native;
  }
  const child = spawnPipes(file, args, options);
  return { pid: child.pid, stdio: child.stdio as unknown as Array<Duplex | undefined> };
}
