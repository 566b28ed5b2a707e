import type { Readable } from 'node:stream';
import { SLIRP_READY_FD, spawnSlirp4netns } from '../drivers/slirp4netns.js';
import { Internal } from '../errdefs/index.js';
import { moduleLogger } from '../log/index.js';
import { removeFile, signalProcess, waitForExit, writePidFile } from './proc.js';

const log = moduleLogger('slirp4netns');

export interface SlirpOptions {
  holderPid: number;
  mtu: number;
  apiSocket: string;
  pidFile: string;
  disableHostLoopback: boolean;
  ipv6?: boolean;
}

export interface SlirpSupervisor {
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/** Starts slirp4netns once and resolves with its pid when it has configured tap0. */
async function startOnce(options: SlirpOptions): Promise<{ pid: number; exited: Promise<void> }> {
  await removeFile(options.apiSocket);
  const child = spawnSlirp4netns({
    targetPid: options.holderPid,
    mtu: options.mtu,
    apiSocket: options.apiSocket,
    disableHostLoopback: options.disableHostLoopback,
    ipv6: options.ipv6 ?? true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Internal('could not start slirp4netns');
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = child.then(
    () => undefined,
    () => undefined,
  );
  const readyPipe = child.stdio[SLIRP_READY_FD] as Readable | undefined;
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    readyPipe?.once('data', () => {
      clearTimeout(timer);
      resolve(true);
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    signalProcess(pid, 'SIGKILL');
    throw new Internal(`slirp4netns did not configure tap0: ${output.trim() || 'no output'}`);
  }
  readyPipe?.resume();
  await writePidFile(options.pidFile, pid);
  return { pid, exited };
}

/**
 * Runs slirp4netns on the holder's network namespace (tap0, MTU, sandbox, API socket) and
 * starts it again whenever it dies, until stop() is called.
 */
export async function superviseSlirp(options: SlirpOptions): Promise<SlirpSupervisor> {
  let current = await startOnce(options);
  let stopping = false;
  log.info(
    { slirpPid: current.pid, mtu: options.mtu, apiSocket: options.apiSocket },
    'slirp4netns ready: tap0 10.0.2.100/24',
  );

  const watch = (run: { pid: number; exited: Promise<void> }): void => {
    void run.exited.then(async () => {
      if (stopping) return;
      log.warn({ slirpPid: run.pid }, 'slirp4netns died; starting it again');
      for (let attempt = 1; !stopping; attempt++) {
        try {
          current = await startOnce(options);
          log.info({ slirpPid: current.pid }, 'slirp4netns restarted');
          watch(current);
          return;
        } catch (err) {
          log.error({ err, attempt }, 'slirp4netns failed to restart');
          await new Promise((r) => setTimeout(r, Math.min(1000 * attempt, 10_000)));
        }
      }
    });
  };
  watch(current);

  return {
    get pid() {
      return current.pid;
    },
    async stop() {
      stopping = true;
      signalProcess(current.pid, 'SIGTERM');
      if (!(await waitForExit(current.pid, 2000))) signalProcess(current.pid, 'SIGKILL');
      await current.exited;
      await removeFile(options.pidFile);
      await removeFile(options.apiSocket);
    },
  };
}
