import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { Conflict } from '../errdefs/index.js';
import { moduleLogger } from '../log/index.js';
import { isAlive, processCmdline, readPidFile, removeFile, signalProcess, waitForExit } from './proc.js';
import { findSocketOwner, probeUnixSocket } from './socket-owner.js';

const log = moduleLogger('single-instance');

/** True for a command line that runs the launcher (`rootlessd`, `…/cli/main.js`, `…/cli/main.ts`). */
export function looksLikeLauncher(argv: readonly string[]): boolean {
  return (
    argv.some((a) => /^(rootlessd|main\.[jt]s)$/.test(basename(a))) &&
    !argv.some((a) => /engine\.[jt]s$/.test(a))
  );
}

export function looksLikeEngine(argv: readonly string[]): boolean {
  return argv.some((a) => /(^|\/)cli\/engine(\.bundle\.mjs|\.[jt]s)$/.test(a));
}

export interface InstanceFiles {
  launcherPid: string;
  enginePid: string;
  slirpPid: string;
  sockets: readonly string[];
}

async function stopStale(pid: number, what: string): Promise<void> {
  log.warn({ stalePid: pid }, `stopping a stale ${what} left by a launcher that crashed`);
  signalProcess(pid, 'SIGTERM');
  if (!(await waitForExit(pid, 3000))) {
    signalProcess(pid, 'SIGKILL');
    await waitForExit(pid, 2000);
  }
}

/**
 * Claims the runtime folder and sockets for this launcher, or throws Conflict naming the
 * process that holds them. Left-overs of a crash (pid files, an orphaned engine or
 * slirp4netns, socket files nobody listens on) are removed. Writes our own pid file.
 */
export async function claimInstance(files: InstanceFiles): Promise<void> {
  const other = await readPidFile(files.launcherPid);
  if (other && other !== process.pid && (await isAlive(other))) {
    const argv = await processCmdline(other);
    if (argv && looksLikeLauncher(argv)) {
      throw new Conflict(
        `another rootlessd is running (pid ${other}) and holds ${files.sockets.join(', ')}`,
        {
          hint: `stop it first (kill ${other}, or systemctl --user stop rootlessd)`,
        },
      );
    }
  }
  // The previous launcher is gone: its engine and slirp4netns are orphans.
  const engine = await readPidFile(files.enginePid);
  if (engine && (await isAlive(engine)) && looksLikeEngine((await processCmdline(engine)) ?? [])) {
    await stopStale(engine, 'engine');
  }
  const slirp = await readPidFile(files.slirpPid);
  if (slirp && (await isAlive(slirp)) && (await processCmdline(slirp))?.[0]?.endsWith('slirp4netns')) {
    await stopStale(slirp, 'slirp4netns');
  }
  await removeFile(files.enginePid);
  await removeFile(files.slirpPid);

  for (const socket of files.sockets) {
    const state = await probeUnixSocket(socket);
    if (state === 'listening') {
      const owner = await findSocketOwner(socket);
      throw new Conflict(
        `${socket} is already in use${owner ? ` by pid ${owner} (${((await processCmdline(owner)) ?? []).join(' ')})` : ' by a process of another user'}`,
        { hint: 'stop that daemon first, or choose another socket with -H unix:///PATH' },
      );
    }
    if (state === 'stale') {
      log.info({ socket }, 'removing a stale socket');
      await removeFile(socket);
    }
  }

  await removeFile(files.launcherPid);
  try {
    const handle = await open(files.launcherPid, 'wx', 0o600);
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const racer = await readPidFile(files.launcherPid);
      throw new Conflict(`another rootlessd is starting at the same time (pid ${racer ?? 'unknown'})`);
    }
    throw err;
  }
}

/** Removes our pid file, only if it is still ours. */
export async function releaseInstance(launcherPidFile: string): Promise<void> {
  if ((await readPidFile(launcherPidFile)) === process.pid) await removeFile(launcherPidFile);
}
