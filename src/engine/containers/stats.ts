import { cpus, totalmem } from 'node:os';
import { CLOCK_TICKS, type NetDevCounters, netDev, processTree, systemCpuTicks } from './proc-tree.js';

/**
 * Container stats in Docker's shape, computed from the container's processes in /proc (the
 * engine has no delegated cgroup to read): CPU is utime+stime summed over the process tree
 * (with the time of the children they reaped), memory the summed RSS, block I/O the summed
 * /proc/PID/io storage bytes, networks the init process's /proc/PID/net/dev.
 */
export interface CpuStats {
  cpu_usage: { total_usage: number; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface StatsAnswer {
  name: string;
  id: string;
  read: string;
  preread: string;
  pids_stats: { current?: number };
  blkio_stats: Record<string, BlkioEntry[] | null>;
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, NetDevCounters>;
}

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface StatsSample {
  read: string;
  cpu: CpuStats;
}

const NS_PER_TICK = 1e9 / CLOCK_TICKS;
const ZERO_TIME = '0001-01-01T00:00:00Z';

function emptyCpu(): CpuStats {
  return {
    cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** One reading; `previous` (the last reading of a stream) fills precpu_stats as Docker does. */
export async function readStats(
  container: { id: string; name: string; pid: number; running: boolean },
  previous: StatsSample | undefined,
): Promise<{ answer: StatsAnswer; sample: StatsSample }> {
  const read = new Date().toISOString();
  const blkio = {
    io_service_bytes_recursive: null,
    io_serviced_recursive: null,
    io_queue_recursive: null,
    io_service_time_recursive: null,
    io_wait_time_recursive: null,
    io_merged_recursive: null,
    io_time_recursive: null,
    sectors_recursive: null,
  };
  const base = {
    name: container.name,
    id: container.id,
    read,
    preread: previous?.read ?? ZERO_TIME,
    blkio_stats: blkio,
    num_procs: 0,
    storage_stats: {},
  };
  if (!container.running || container.pid <= 0) {
    // Docker answers a stopped container with empty figures (the CLI shows "--").
    const sample = { read: ZERO_TIME, cpu: emptyCpu() };
    return {
      answer: {
        ...base,
        read: ZERO_TIME,
        pids_stats: {},
        cpu_stats: emptyCpu(),
        precpu_stats: emptyCpu(),
        memory_stats: {},
      },
      sample,
    };
  }
  const [tree, systemTicks, networks] = await Promise.all([
    processTree(container.pid, { io: true }),
    systemCpuTicks(),
    netDev(container.pid),
  ]);
  let ticks = 0;
  let rss = 0;
  let readBytes = 0;
  let writeBytes = 0;
  for (const p of tree) {
    ticks += p.cpuTicks;
    rss += p.rssBytes;
    readBytes += p.readBytes;
    writeBytes += p.writeBytes;
  }
  // Per process, not per device (no cgroup): one entry of each, device 0:0.
  const io: BlkioEntry[] = [
    { major: 0, minor: 0, op: 'read', value: readBytes },
    { major: 0, minor: 0, op: 'write', value: writeBytes },
  ];
  const cpu: CpuStats = {
    cpu_usage: {
      total_usage: Math.round(ticks * NS_PER_TICK),
      usage_in_kernelmode: 0,
      usage_in_usermode: 0,
    },
    system_cpu_usage: Math.round(systemTicks * NS_PER_TICK),
    online_cpus: cpus().length,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
  // Split user/kernel time as well.
  let user = 0;
  let kernel = 0;
  for (const p of tree) {
    user += p.userTicks;
    kernel += p.systemTicks;
  }
  cpu.cpu_usage.usage_in_usermode = Math.round(user * NS_PER_TICK);
  cpu.cpu_usage.usage_in_kernelmode = Math.round(kernel * NS_PER_TICK);
  const answer: StatsAnswer = {
    ...base,
    blkio_stats: { ...blkio, io_service_bytes_recursive: io },
    pids_stats: { current: tree.length },
    cpu_stats: cpu,
    precpu_stats: previous?.cpu ?? emptyCpu(),
    memory_stats: { usage: rss, limit: totalmem(), stats: {} },
    networks,
  };
  return { answer, sample: { read, cpu } };
}
