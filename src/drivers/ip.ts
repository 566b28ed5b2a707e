import { runInNetns } from './netns.js';

/**
 * iproute2 inside the network namespace of `pid`. Commands are `ip` argument lists without
 * the leading `ip`; several are sent in one `ip -batch -` run (one process for all). `inet6`
 * runs them all as `ip -6` (a batch line cannot carry the option).
 */
export async function ipBatch(
  pid: number,
  commands: readonly (readonly string[])[],
  options: { force?: boolean; inet6?: boolean } = {},
): Promise<void> {
  if (commands.length === 0) return;
  const input = `${commands.map((c) => c.map(quoteBatchWord).join(' ')).join('\n')}\n`;
  const flags = [...(options.force ? ['-force'] : []), ...(options.inet6 ? ['-6'] : [])];
  await runInNetns(pid, 'ip', [...flags, '-batch', '-'], { input });
}

/** One `ip` command inside the network namespace of `pid`; returns stdout. */
export async function ip(pid: number, args: readonly string[]): Promise<string> {
  return (await runInNetns(pid, 'ip', args)).stdout;
}

/** `ip -j link show`: the interface names in the namespace of `pid`. */
export async function linkNames(pid: number): Promise<string[]> {
  const out = await ip(pid, ['-j', 'link', 'show']);
  const parsed = JSON.parse(out || '[]') as Array<{ ifname?: string }>;
  return parsed.map((l) => l.ifname ?? '').filter(Boolean);
}

/** `ip -j link show dev NAME`: the link's MAC address, or undefined when it does not exist. */
export async function linkAddress(pid: number, name: string): Promise<string | undefined> {
  try {
    const parsed = JSON.parse(await ip(pid, ['-j', 'link', 'show', 'dev', name])) as Array<{
      address?: string;
    }>;
    return parsed[0]?.address;
  } catch {
    return undefined;
  }
}

function quoteBatchWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\])/g, '\\$1')}"`;
}
