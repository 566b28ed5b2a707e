import { readFile } from 'node:fs/promises';
import { spawnHolder } from '../drivers/holder.js';
import { newgidmap, newuidmap, writeIdMapsDirect } from '../drivers/idmap.js';
import { Internal } from '../errdefs/index.js';
import type { IdMap } from '../ipc/engine-config.js';
import { moduleLogger } from '../log/index.js';
import { formatIdMap, normaliseProcIdMap } from './id-map.js';
import {
  isAlive,
  processComm,
  readPidFile,
  removeFile,
  signalProcess,
  sleep,
  userNamespaceOf,
  waitForExit,
  writePidFile,
} from './proc.js';

const log = moduleLogger('holder');

export interface Holder {
  pid: number;
  /** True when a holder left by an earlier launcher was taken over (its namespaces kept). */
  adopted: boolean;
  /** Resolves when the holder process ends. */
  exited: Promise<void>;
}

async function readMap(pid: number, which: 'uid_map' | 'gid_map'): Promise<string> {
  try {
    return normaliseProcIdMap(await readFile(`/proc/${pid}/${which}`, 'utf8'));
  } catch {
    return '';
  }
}

async function mapsMatch(pid: number, idMap: IdMap): Promise<boolean> {
  return (
    (await readMap(pid, 'uid_map')) === formatIdMap(idMap.uids) &&
    (await readMap(pid, 'gid_map')) === formatIdMap(idMap.gids)
  );
}

async function waitUntil(
  what: string,
  pid: number,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (!(await isAlive(pid))) throw new Internal(`the namespace holder (pid ${pid}) exited before ${what}`);
    await sleep(5);
  }
  throw new Internal(`the namespace holder (pid ${pid}) did not reach "${what}" within ${timeoutMs} ms`);
}

function pollExit(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      void isAlive(pid).then((alive) => {
        if (!alive) {
          clearInterval(timer);
          resolve();
        }
      });
    }, 500);
    timer.unref();
  });
}

/** Takes over a live holder from a crashed launcher when its id maps are the ones we want. */
async function adoptHolder(pidFile: string, idMap: IdMap): Promise<Holder | undefined> {
  const pid = await readPidFile(pidFile);
  if (!pid || !(await isAlive(pid))) return undefined;
  if ((await processComm(pid)) !== 'catatonit') return undefined;
  if (await mapsMatch(pid, idMap)) {
    log.info({ holderPid: pid }, 'taking over the namespace holder of an earlier launcher');
    return { pid, adopted: true, exited: pollExit(pid) };
  }
  log.warn({ holderPid: pid }, 'stopping an earlier namespace holder whose id maps differ');
  await stopHolder(pid);
  return undefined;
}

/**
 * Starts the namespace holder (new user + mount + network namespaces) and maps its ids:
 * newuidmap/newgidmap for a subordinate range, `unshare --map-root-user` in single-id mode,
 * or a direct write of the maps when started by root. Resolves once the maps are written,
 * so that anything joining afterwards sees them. Records holder.pid.
 */
export async function startHolder(options: {
  idMap: IdMap;
  pidFile: string;
  asRoot: boolean;
}): Promise<Holder> {
  const { idMap, pidFile } = options;
  const adopted = await adoptHolder(pidFile, idMap);
  if (adopted) return adopted;
  await removeFile(pidFile);

  const single = idMap.mode === 'single';
  const child = spawnHolder({ mapRootUser: single });
  const pid = child.pid;
  if (pid === undefined) throw new Internal('could not start the namespace holder (unshare)');
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = child.then(
    () => undefined,
    () => undefined,
  );
  try {
    const ownNs = await userNamespaceOf('self');
    await waitUntil('a new user namespace', pid, 5000, async () => {
      const ns = await userNamespaceOf(pid);
      return ns !== undefined && ns !== ownNs;
    });
    if (!single) {
      if (options.asRoot) {
        await writeIdMapsDirect(pid, idMap.uids, idMap.gids);
      } else {
        await newuidmap(pid, idMap.uids);
        await newgidmap(pid, idMap.gids);
      }
    }
    await waitUntil('its id maps are written', pid, 5000, () => mapsMatch(pid, idMap));
    await waitUntil('catatonit runs', pid, 5000, async () => (await processComm(pid)) === 'catatonit');
  } catch (err) {
    signalProcess(pid, 'SIGKILL');
    await exited;
    if (stderr && err instanceof Internal)
      throw new Internal(`${err.message}: ${stderr.trim()}`, { cause: err });
    throw err;
  }
  await writePidFile(pidFile, pid);
  log.info(
    { holderPid: pid, uidMap: formatIdMap(idMap.uids).replaceAll('\n', ', ') },
    'namespace holder started',
  );
  return { pid, adopted: false, exited };
}

/** Stops the holder: SIGTERM, then SIGKILL if catatonit has not gone within 3 s. */
export async function stopHolder(pid: number): Promise<void> {
  signalProcess(pid, 'SIGTERM');
  if (!(await waitForExit(pid, 3000))) {
    signalProcess(pid, 'SIGKILL');
    await waitForExit(pid, 2000);
  }
}
