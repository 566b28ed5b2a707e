import { runPs } from '../../drivers/ps.js';
import { InvalidParameter } from '../../errdefs/index.js';
import { processTree } from './proc-tree.js';

export interface TopAnswer {
  Titles: string[];
  Processes: string[][];
}

/** Splits `ps` output into Docker's Titles and the rows of the given pids (last column keeps its blanks). */
export function parsePsOutput(output: string, pids: Set<number>): TopAnswer {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const Titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidIndex = Titles.indexOf('PID');
  if (pidIndex < 0) throw new InvalidParameter(`Couldn't find PID field in ps output`);
  const Processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    const pid = Number(fields[pidIndex]);
    if (!pids.has(pid)) continue;
    const row = fields.slice(0, Titles.length - 1);
    row.push(fields.slice(Titles.length - 1).join(' '));
    Processes.push(row);
  }
  return { Titles, Processes };
}

/** `docker top`: the host's `ps` (default `-ef`) narrowed to the container's process tree. */
export async function containerTop(initPid: number, psArgs: string | undefined): Promise<TopAnswer> {
  const args = (psArgs?.trim() || '-ef').split(/\s+/);
  const tree = await processTree(initPid);
  const output = await runPs(args);
  return parsePsOutput(output, new Set(tree.map((p) => p.pid)));
}
