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

export function xdgPaths(env: NodeJS.ProcessEnv = process.env): XdgPaths {
  const home = env.HOME || homedir();
  const uid = process.getuid?.() ?? userInfo().uid;
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
