import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface XdgPaths {
  /** $XDG_RUNTIME_DIR (tmpfs, 0700, owned by the user). */
  runtimeDir: string;
  /** $XDG_DATA_HOME/rootlessd unless data-root says otherwise. */
  dataHome: string;
  /** $XDG_CONFIG_HOME/rootlessd. */
  configDir: string;
  /** Whether XDG_RUNTIME_DIR came from the environment or is our fallback. */
  runtimeDirFromEnv: boolean;
}

/** Root's runtime folder: owned by the namespaces' mapped root, mode 0711. */
export const ROOT_RUNTIME_DIR = '/run/rootlessd';
export const ROOT_DATA_HOME = '/var/lib/rootlessd';

export function xdgPaths(env: NodeJS.ProcessEnv = process.env): XdgPaths {
  const home = env.HOME || homedir();
  const uid = process.getuid?.() ?? userInfo().uid;
  if (uid === 0) {
    // Started by root, the engine runs as a subordinate id (never real root), which cannot
    // enter root's 0700 folders: root's daemon keeps its socket and data in system folders.
    return {
      runtimeDir: ROOT_RUNTIME_DIR,
      runtimeDirFromEnv: false,
      dataHome: env.XDG_DATA_HOME ? join(env.XDG_DATA_HOME, 'rootlessd') : ROOT_DATA_HOME,
      configDir: join(env.XDG_CONFIG_HOME || join(home, '.config'), 'rootlessd'),
    };
  }
  const runtimeDir = env.XDG_RUNTIME_DIR || `/tmp/rootlessd-runtime-${uid}`;
  return {
    runtimeDir,
    runtimeDirFromEnv: Boolean(env.XDG_RUNTIME_DIR),
    dataHome: join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'rootlessd'),
    configDir: join(env.XDG_CONFIG_HOME || join(home, '.config'), 'rootlessd'),
  };
}

/** Where each runtime file lives. Kept short: unix socket paths are limited to 108 bytes. */
export function runtimePaths(runtimeDir: string) {
  const base = join(runtimeDir, 'rootlessd');
  return {
    base,
    socket: join(runtimeDir, 'docker.sock'),
    launcherPid: join(base, 'rootlessd.pid'),
    holderPid: join(base, 'holder.pid'),
    enginePid: join(base, 'engine.pid'),
    slirpSocket: join(base, 'slirp.sock'),
    slirpPid: join(base, 'slirp.pid'),
    lock: join(base, 'lock'),
  };
}

export type RuntimePaths = ReturnType<typeof runtimePaths>;
