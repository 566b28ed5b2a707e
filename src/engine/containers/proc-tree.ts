import { readdir, readFile } from 'node:fs/promises';

/** One process's figures from /proc/PID/stat and /proc/PID/statm. */
export interface ProcSample {
  pid: number;
  ppid: number;
  /**
   * utime + stime, in clock ticks, plus cutime + cstime: the time of the children it has
   * reaped (a cgroup counts processes that are gone too; a shell's short-lived commands).
   */
  cpuTicks: number;
  userTicks: number;
  systemTicks: number;
  /** Resident set size in bytes. */
  rssBytes: number;
  /** Bytes read from and written to storage (/proc/PID/io, reaped children included). */
  readBytes: number;
  writeBytes: number;
}

async function readIo(pid: number): Promise<{ readBytes: number; writeBytes: number }> {
  const text = await readFile(`/proc/${pid}/io`, 'utf8').catch(() => '');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { readBytes: field('read_bytes'), writeBytes: field('write_bytes') };
}

export const CLOCK_TICKS = 100;
const PAGE_SIZE = 4096;

async function readStat(pid: number): Promise<ProcSample | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The comm field may hold spaces and parentheses: the fields after it follow the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const utime = Number(rest[11]) + Number(rest[13]);
    const stime = Number(rest[12]) + Number(rest[14]);
    const rssPages = Number(rest[21]);
    return {
      pid,
      ppid,
      cpuTicks: utime + stime,
      userTicks: utime,
      systemTicks: stime,
      rssBytes: rssPages * PAGE_SIZE,
      readBytes: 0,
      writeBytes: 0,
    };
  } catch {
    return undefined;
  }
}

/** The process `root` and all its descendants, read from /proc (empty when `root` is gone). */
export async function processTree(root: number, options: { io?: boolean } = {}): Promise<ProcSample[]> {
  if (root <= 0) return [];
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
  const samples = (await Promise.all(pids.map(readStat))).filter((s): s is ProcSample => s !== undefined);
  const children = new Map<number, ProcSample[]>();
  let top: ProcSample | undefined;
  for (const s of samples) {
    if (s.pid === root) top = s;
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  if (!top) return [];
  const out: ProcSample[] = [];
  const queue = [top];
  while (queue.length > 0) {
    const s = queue.shift() as ProcSample;
    out.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  if (options.io)
    await Promise.all(
      out.map(async (p) => {
        Object.assign(p, await readIo(p.pid));
      }),
    );
  return out;
}

/** Total CPU time of the machine (/proc/stat `cpu` line), in clock ticks. */
export async function systemCpuTicks(): Promise<number> {
  const text = await readFile('/proc/stat', 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('cpu ')) ?? '';
  return line
    .split(/\s+/)
    .slice(1, 8)
    .reduce((a, b) => a + (Number(b) || 0), 0);
}

export interface NetDevCounters {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/** Interface counters of the network namespace `pid` lives in (`lo` left out, as Docker does). */
export async function netDev(pid: number): Promise<Record<string, NetDevCounters>> {
  const out: Record<string, NetDevCounters> = {};
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n').slice(2)) {
    const [name, data] = line.split(':');
    if (!name || !data || name.trim() === 'lo') continue;
    const f = data.trim().split(/\s+/).map(Number);
    out[name.trim()] = {
      rx_bytes: f[0] ?? 0,
      rx_packets: f[1] ?? 0,
      rx_errors: f[2] ?? 0,
      rx_dropped: f[3] ?? 0,
      tx_bytes: f[8] ?? 0,
      tx_packets: f[9] ?? 0,
      tx_errors: f[10] ?? 0,
      tx_dropped: f[11] ?? 0,
    };
  }
  return out;
}

/** True while a process with this pid exists (signal 0; EPERM still means it exists). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
