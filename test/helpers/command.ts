import { execa } from 'execa';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  env?: Record<string, string>;
  /** Replace the environment instead of extending it. */
  cleanEnv?: boolean;
  input?: string | Buffer;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs a program and returns its exit code and output; never throws for a non-zero exit. */
export async function runCommand(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  const result = await execa(file, args, {
    env: options.env,
    extendEnv: !options.cleanEnv,
    input: options.input,
    timeout: options.timeoutMs ?? 120_000,
    cwd: options.cwd,
    reject: false,
    stripFinalNewline: false,
  });
  const stderr = String(result.stderr ?? '');
  return {
    exitCode: result.exitCode ?? (result.timedOut ? 124 : 1),
    stdout: String(result.stdout ?? ''),
    stderr: result.timedOut ? `${stderr}\n(timed out)` : stderr,
  };
}

/** Runs a program and returns stdout; throws with the command line and stderr on failure. */
export async function runChecked(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<string> {
  const r = await runCommand(file, args, options);
  if (r.exitCode !== 0) {
    throw new Error(
      `${[file, ...args].join(' ')} exited ${r.exitCode}:\n${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return r.stdout;
}
