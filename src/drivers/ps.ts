import { run } from './exec.js';

/** Runs the host's procps `ps` with the given arguments (split on blanks) and returns its output. */
export async function runPs(args: readonly string[]): Promise<string> {
  return (await run('ps', args, { timeoutMs: 10_000 })).stdout;
}
