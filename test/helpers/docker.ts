import { type ChildProcess, spawn } from 'node:child_process';
import Docker from 'dockerode';
import type { CommandResult } from './command.js';
import type { DaemonEnv } from './daemon-env.js';
import { asUserCommand, runAsUser } from './test-user.js';

export interface DockerCliOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: Record<string, string>;
}

/** Runs the real docker CLI as the test user against the daemon; never throws for an exit code. */
export function docker(
  d: DaemonEnv,
  args: readonly string[],
  options: DockerCliOptions = {},
): Promise<CommandResult> {
  return runAsUser(d.user, 'docker', args, { ...d.cliEnv, ...options.env }, options);
}

/** Runs the docker CLI and returns stdout; throws with its stderr on a non-zero exit. */
export async function dockerOk(
  d: DaemonEnv,
  args: readonly string[],
  options: DockerCliOptions = {},
): Promise<string> {
  const r = await docker(d, args, options);
  if (r.exitCode !== 0) {
    throw new Error(`docker ${args.join(' ')} exited ${r.exitCode}:\n${r.stderr.trim()}\n${r.stdout.trim()}`);
  }
  return r.stdout;
}

/** Runs the docker CLI with --format '{{json .}}' (or as given) and parses its output. */
export async function dockerJson<T = unknown>(d: DaemonEnv, args: readonly string[]): Promise<T> {
  return JSON.parse(await dockerOk(d, args)) as T;
}

/** Kills, then removes the containers (kill signals the init process directly); never throws. */
export async function removeContainers(d: DaemonEnv, ...names: string[]): Promise<void> {
  for (const n of names) await docker(d, ['kill', n]);
  await docker(d, ['rm', ...names]);
}

/** Starts a long-running docker CLI command (events, logs -f, attach) as the user. */
export function dockerSpawn(d: DaemonEnv, args: readonly string[]): ChildProcess {
  const cmd = asUserCommand(d.user, 'docker', args, d.cliEnv);
  return spawn(cmd.file, cmd.args, { cwd: '/', env: cmd.env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A dockerode client on the daemon's socket (the test process itself connects). */
export function dockerode(d: DaemonEnv): Docker {
  return new Docker({ socketPath: d.socket });
}
