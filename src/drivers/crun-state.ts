import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * Three of crun's verbs done on its state folder (`<root>/<id>/`) instead of spawning crun,
 * each for the one case where crun itself does nothing more (crun 1.8's libcrun: status.c,
 * container.c). A spawned crun costs 14–17 ms here (fork of the engine, exec, crun's
 * start-up); these take well under a millisecond. Each answers false when its case does not
 * hold, and the caller runs crun as before, so crun's own checks and error messages stay.
 * Our containers carry no OCI hooks and, rootless, get no cgroup (`cgroup-path` is empty);
 * both are checked in the state folder (crun's copy of the spec, its status file).
 */

interface CrunStatus {
  pid: number;
  /** Clock ticks since boot when the process started (/proc/PID/stat field 22); 0 when absent. */
  startTime: number;
  cgroupPath: string;
  systemd: boolean;
}

function readStatus(dir: string): CrunStatus | undefined {
  try {
    const o = JSON.parse(readFileSync(join(dir, 'status'), 'utf8')) as Record<string, unknown>;
    if (typeof o.pid !== 'number' || o.pid <= 0) return undefined;
    return {
      pid: o.pid,
      startTime: typeof o['process-start-time'] === 'number' ? o['process-start-time'] : 0,
      cgroupPath: typeof o['cgroup-path'] === 'string' ? o['cgroup-path'] : '',
      systemd: o['systemd-cgroup'] === true || (typeof o.scope === 'string' && o.scope !== ''),
    };
  } catch {
    return undefined;
  }
}

/** Whether crun's copy of the spec (`config.json` in its state folder) has hooks of `kind`. */
function hasHooks(dir: string, kind: 'poststart' | 'poststop'): boolean {
  try {
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      hooks?: Record<string, unknown[] | undefined>;
    };
    return (spec.hooks?.[kind]?.length ?? 0) > 0;
  } catch {
    return true;
  }
}

/**
 * Whether the status's process still runs: the pid exists, is not a zombie, and started when
 * the status says (a recycled pid is another process), as crun's libcrun_check_pid_valid.
 */
function statusProcessRuns(status: CrunStatus): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${status.pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // After the command name (which may hold spaces and parentheses): state is field 3, starttime 22.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  if (state === 'Z' || state === 'X') return false;
  return status.startTime === 0 || Number(rest[19]) === status.startTime;
}

/**
 * `crun start`: crun's init waits, after `create`, for a byte on `exec.fifo`; `crun start`
 * opens the fifo for writing, removes it (crun's state then reads `running`) and writes the
 * byte, then runs poststart hooks. Done here when there are no hooks. Opening without
 * blocking fails (ENXIO) when no init holds the fifo, and a missing fifo means the container
 * was started already: both leave it to crun.
 */
export function startThroughFifo(root: string, id: string): boolean {
  if (hasHooks(join(root, id), 'poststart')) return false;
  const fifo = join(root, id, 'exec.fifo');
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    if (!fstatSync(fd).isFIFO()) return false;
    unlinkSync(fifo);
    writeSync(fd, Buffer.from([0]));
    return true;
  } catch {
    // The init went away between the open and the write (EPIPE): crun's start then says so.
    return false;
  } finally {
    closeSync(fd);
  }
}

/**
 * `crun kill ID SIGNAL` (not `--all`): the signal to the status's pid once it is checked to be
 * the container's process. When the process is gone, crun's answer (an error) is wanted.
 */
export function killThroughStatus(root: string, id: string, signal: number): boolean {
  const status = readStatus(join(root, id));
  if (!status || !statusProcessRuns(status)) return false;
  try {
    process.kill(status.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * `crun delete [--force] ID` of a container whose process is gone: with no cgroup and no
 * hooks, crun only removes its state folder. A live process (delete --force kills it), a
 * cgroup or an unreadable status leave it to crun.
 */
export function deleteThroughStatus(root: string, id: string): boolean {
  const dir = join(root, id);
  if (hasHooks(dir, 'poststop')) return false;
  const status = readStatus(dir);
  if (!status) return false;
  if (status.cgroupPath !== '' || status.systemd) return false;
  if (statusProcessRuns(status)) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}
