import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { type RuntimePaths, runtimePaths, type XdgPaths } from '../config/paths.js';
import type { DaemonConfig } from '../config/schema.js';
import { IdleTrimmer, idleGc, mallocTrim } from '../drivers/malloc-trim.js';
import { sdNotify } from '../drivers/sd-notify.js';
import { SLIRP_NETWORK } from '../drivers/slirp4netns.js';
import type { EngineConfig, IdMap } from '../ipc/engine-config.js';
import { moduleLogger } from '../log/index.js';
import type { EngineCommand } from './engine-process.js';
import { type EngineSupervisor, superviseEngine } from './engine-supervisor.js';
import { type Holder, startHolder, stopHolder } from './holder.js';
import { parseHosts } from './hosts.js';
import { computeIdMap } from './id-map.js';
import { removeFile } from './proc.js';
import {
  checkSocketFolderForMappedRoot,
  prepareFolderForMappedRoot,
  prepareRootRuntimeDir,
} from './root-mode.js';
import { ensureRuntimeDir } from './runtime-dir.js';
import { claimInstance, releaseInstance } from './single-instance.js';
import { type SlirpSupervisor, superviseSlirp } from './slirp.js';
import { findSubIdRange, readSubIdFile } from './subid.js';

const log = moduleLogger('launcher');

export const DEFAULT_MTU = 65520;

export interface LauncherOptions {
  config: DaemonConfig;
  configFile?: string;
  dataRoot: string;
  xdg: XdgPaths;
  /** Warnings found before the launcher runs (config, data root); shown in `docker info`. */
  warnings: string[];
  engine: EngineCommand;
  /** Reads and validates the configuration again (SIGHUP); throws when it is invalid. */
  reloadConfig: () => Promise<DaemonConfig>;
}

/** Reads the user's subordinate ranges and decides the holder's id maps. */
export async function planIdMap(): Promise<{
  idMap: IdMap;
  warning?: string;
  user: string;
  uid: number;
  gid: number;
}> {
  const info = userInfo();
  const who = { name: info.username, id: info.uid };
  const subuid = findSubIdRange(await readSubIdFile('/etc/subuid'), who);
  const subgid = findSubIdRange(await readSubIdFile('/etc/subgid'), who);
  const plan = computeIdMap({ uid: info.uid, gid: info.gid, subuid, subgid });
  return { ...plan, user: info.username, uid: info.uid, gid: info.gid };
}

function buildEngineConfig(
  options: LauncherOptions,
  paths: RuntimePaths,
  holder: Holder,
  ids: Awaited<ReturnType<typeof planIdMap>>,
  warnings: string[],
  config: DaemonConfig,
): EngineConfig {
  const listeners = parseHosts(config.hosts ?? [], config, paths.socket);
  return {
    launcherPid: process.pid,
    holderPid: holder.pid,
    hostUid: ids.uid,
    hostGid: ids.gid,
    hostUser: ids.user,
    runtimeDir: options.xdg.runtimeDir,
    dataRoot: options.dataRoot,
    ...(options.configFile ? { configFile: options.configFile } : {}),
    unixSockets: listeners.unixSockets,
    tcpListeners: listeners.tcpListeners,
    idMap: ids.idMap,
    slirp: {
      apiSocket: paths.slirpSocket,
      mtu: config.mtu ?? DEFAULT_MTU,
      cidr: SLIRP_NETWORK.cidr,
      gateway: SLIRP_NETWORK.gateway,
      dns: SLIRP_NETWORK.dns,
      hostLoopback: true,
    },
    daemon: config,
    warnings,
  };
}

/**
 * Runs the daemon in the foreground until SIGTERM/SIGINT: claims the runtime folder, starts
 * the namespace holder, slirp4netns and the engine, tells systemd it is ready, and
 * supervises them. Resolves with the process exit code.
 */
export async function runLauncher(options: LauncherOptions): Promise<number> {
  const paths = runtimePaths(options.xdg.runtimeDir);
  const asRoot = process.getuid?.() === 0;
  const ids = await planIdMap();
  const inner = { uid: ids.idMap.uids[0]?.outside ?? 0, gid: ids.idMap.gids[0]?.outside ?? 0 };
  if (asRoot) await prepareRootRuntimeDir(dirname(paths.base), inner);
  await ensureRuntimeDir(paths.base, process.getuid?.() ?? 0, asRoot ? [inner.uid] : []);
  // Refuse bad listeners before touching anything.
  const { unixSockets } = parseHosts(options.config.hosts ?? [], options.config, paths.socket);
  await claimInstance({
    launcherPid: paths.launcherPid,
    enginePid: paths.enginePid,
    slirpPid: paths.slirpPid,
    sockets: unixSockets,
  });

  let holder: Holder | undefined;
  let slirp: SlirpSupervisor | undefined;
  let engine: EngineSupervisor | undefined;
  let config = options.config;

  const cleanup = async (stopTheHolder: boolean): Promise<void> => {
    await sdNotify('STOPPING=1').catch((err) => log.warn({ err }, 'sd_notify STOPPING failed'));
    await engine?.stop().catch((err) => log.error({ err }, 'stopping the engine failed'));
    await slirp?.stop().catch((err) => log.error({ err }, 'stopping slirp4netns failed'));
    if (holder && stopTheHolder) {
      await stopHolder(holder.pid);
      await removeFile(paths.holderPid);
      log.info({ holderPid: holder.pid }, 'namespace holder stopped');
    }
    await Promise.all(unixSockets.map((s) => removeFile(s)));
    await releaseInstance(paths.launcherPid);
  };

  try {
    const warnings = [...options.warnings, ...(ids.warning ? [ids.warning] : [])];
    if (ids.warning) log.warn(ids.warning);
    if (asRoot) {
      // Root inside the namespaces is a subordinate id on the host: give it its folders.
      await prepareFolderForMappedRoot(options.dataRoot, inner, 'data root');
      await prepareFolderForMappedRoot(paths.base, inner, 'runtime folder');
      for (const socket of unixSockets) await checkSocketFolderForMappedRoot(socket, inner);
    } else {
      await mkdir(dirname(options.dataRoot), { recursive: true });
      await mkdir(options.dataRoot, { recursive: true, mode: 0o700 });
    }
    holder = await startHolder({ idMap: ids.idMap, pidFile: paths.holderPid, asRoot });
    slirp = await superviseSlirp({
      holderPid: holder.pid,
      mtu: config.mtu ?? DEFAULT_MTU,
      apiSocket: paths.slirpSocket,
      pidFile: paths.slirpPid,
      disableHostLoopback: false,
    });
    const engineConfig = buildEngineConfig(options, paths, holder, ids, warnings, config);
    engine = await superviseEngine({
      holderPid: holder.pid,
      asRoot,
      command: options.engine,
      config: engineConfig,
      pidFile: paths.enginePid,
    });
    await sdNotify(`READY=1\nMAINPID=${process.pid}`).catch((err) =>
      log.warn({ err }, 'sd_notify READY failed'),
    );
    log.info(`DOCKER_HOST=unix://${unixSockets[0]}`);
    log.info(
      { mode: ids.idMap.mode, uidMap: ids.idMap.uids, gidMap: ids.idMap.gids },
      ids.idMap.mode === 'range' ? 'id map: subordinate range' : 'id map: single id (no subordinate range)',
    );
    log.info({ dataRoot: options.dataRoot }, `data root: ${options.dataRoot}`);
    // Memory back to the system once started (and after each reload): a gc that also drops the
    // bytecode of start-up (the launcher then mostly waits), then malloc_trim.
    const trimmer = new IdleTrimmer(2000, mallocTrim, idleGc({ flushCode: true }));
    trimmer.touch();

    const running = holder;
    const supervisedEngine = engine;
    return await new Promise<number>((resolve) => {
      let finishing = false;
      const finish = (code: number, stopTheHolder: boolean) => {
        if (finishing) return;
        finishing = true;
        process.off('SIGHUP', onHup);
        void cleanup(stopTheHolder).then(() => resolve(code));
      };
      const onStop = (signal: NodeJS.Signals) => {
        log.info({ signal }, 'stopping: engine, slirp4netns, then the namespace holder');
        finish(0, true);
      };
      const onHup = () => {
        void options
          .reloadConfig()
          .then((next) => {
            config = next;
            supervisedEngine.setConfig(buildEngineConfig(options, paths, running, ids, warnings, next));
            log.info('configuration reloaded; forwarding SIGHUP to the engine');
            supervisedEngine.reload();
            trimmer.touch();
          })
          .catch((err) =>
            log.error({ err: String(err) }, 'configuration reload failed; keeping the previous one'),
          );
      };
      process.once('SIGTERM', onStop);
      process.once('SIGINT', onStop);
      process.on('SIGHUP', onHup);
      void running.exited.then(() => {
        if (finishing) return;
        log.fatal({ holderPid: running.pid }, 'the namespace holder died; stopping');
        finish(1, false);
      });
    });
  } catch (err) {
    await cleanup(true);
    throw err;
  }
}
