import { runInNetns } from './netns.js';

/**
 * Runs `iptables-restore` or `ip6tables-restore` (`program`, an absolute path) with `script`
 * inside the network namespace of `pid`: the tables the script names are replaced atomically.
 */
export async function iptablesRestore(pid: number, program: string, script: string): Promise<void> {
  await runInNetns(pid, program, [], { input: script });
}
