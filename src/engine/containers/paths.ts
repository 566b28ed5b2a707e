import { join } from 'node:path';

/** Where everything of the containers lives. Runtime paths are kept short (socket paths). */
export interface ContainersLayout {
  /** `<dataRoot>/containers` */
  dataDir: string;
  /** `<runtimeDir>/rootlessd` */
  runtimeBase: string;
}

export function containersLayout(dataRoot: string, runtimeDir: string): ContainersLayout {
  return { dataDir: join(dataRoot, 'containers'), runtimeBase: join(runtimeDir, 'rootlessd') };
}

/** Shared runtime folders: runc's root, conmon's exit files and sockets. */
export function runtimeFolders(layout: ContainersLayout) {
  return {
    runcRoot: join(layout.runtimeBase, 'runc'),
    exitDir: join(layout.runtimeBase, 'exits'),
    socketDir: join(layout.runtimeBase, 's'),
  };
}

export function containerPaths(layout: ContainersLayout, id: string) {
  const dir = join(layout.dataDir, id);
  const bundle = join(layout.runtimeBase, 'c', id);
  return {
    dir,
    config: join(dir, 'config.json'),
    state: join(dir, 'state.json'),
    log: join(dir, `${id}-json.log`),
    hostname: join(dir, 'hostname'),
    hosts: join(dir, 'hosts'),
    resolvConf: join(dir, 'resolv.conf'),
    bundle,
    spec: join(bundle, 'config.json'),
    rootfs: join(bundle, 'rootfs'),
    pidFile: join(bundle, 'pid'),
    conmonPid: join(bundle, 'conmon.pid'),
    attach: join(bundle, 'attach'),
    ctl: join(bundle, 'ctl'),
  };
}

export type ContainerPaths = ReturnType<typeof containerPaths>;
