import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RuntimePaths, runtimePaths } from '../../src/config/paths.js';
import { appDir } from './app.js';
import { type CommandResult, runCommand } from './command.js';
import { CI_DIR, makeUserDir, runAsUser, type TestUser, testUser, userEnv } from './test-user.js';

/**
 * Everything a daemon of the test user needs on disk, private to one daemon: a short runtime
 * folder (0700) and data and config homes, so that daemons of different test files never meet.
 */
export interface DaemonEnv {
  user: TestUser;
  /** Folder with dist/ and node_modules/ that the user can read. */
  app: string;
  main: string;
  /** Holds data/, config/, docker-config/ and the daemon's log. */
  base: string;
  runtimeDir: string;
  dataHome: string;
  configHome: string;
  paths: RuntimePaths;
  socket: string;
  dockerHost: string;
  /** The launcher's whole environment (nothing else is inherited). */
  env: Record<string, string>;
  /** Environment for docker CLI calls as the user. */
  cliEnv: Record<string, string>;
}

export interface DaemonEnvOptions {
  /** Written to $XDG_CONFIG_HOME/rootlessd/daemon.json. */
  daemonJson?: Record<string, unknown>;
  env?: Record<string, string>;
}

function scratchDir(user: TestUser): string {
  return user.viaRunuser ? CI_DIR : `/var/tmp/rootlessd-test-${user.uid}`;
}

export async function createDaemonEnv(options: DaemonEnvOptions = {}): Promise<DaemonEnv> {
  const user = await testUser();
  const app = await appDir(user);
  const base = makeUserDir(user, scratchDir(user), 'd-');
  const runtimeDir = makeUserDir(user, '/tmp', 'rlt-');
  const dataHome = join(base, 'data');
  const configHome = join(base, 'config');
  const dockerConfig = join(base, 'docker-config');
  for (const dir of [dataHome, configHome, dockerConfig, join(configHome, 'rootlessd')]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (user.viaRunuser) chownSync(dir, user.uid, user.gid);
  }
  if (options.daemonJson) {
    const file = join(configHome, 'rootlessd', 'daemon.json');
    writeFileSync(file, `${JSON.stringify(options.daemonJson, null, 2)}\n`, { mode: 0o600 });
    if (user.viaRunuser) chownSync(file, user.uid, user.gid);
  }
  const paths = runtimePaths(runtimeDir);
  const env = userEnv(user, {
    XDG_RUNTIME_DIR: runtimeDir,
    XDG_DATA_HOME: dataHome,
    XDG_CONFIG_HOME: configHome,
    ...options.env,
  });
  return {
    user,
    app,
    main: join(app, 'dist', 'cli', 'main.js'),
    base,
    runtimeDir,
    dataHome,
    configHome,
    paths,
    socket: paths.socket,
    dockerHost: `unix://${paths.socket}`,
    env,
    cliEnv: { ...env, DOCKER_HOST: `unix://${paths.socket}`, DOCKER_CONFIG: dockerConfig },
  };
}

/** Runs `rootlessd ARGS…` (doctor, a second launcher, …) as the user, to completion. */
export function runRootlessd(
  denv: DaemonEnv,
  args: readonly string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CommandResult> {
  return runAsUser(
    denv.user,
    process.execPath,
    [denv.main, ...args],
    { ...denv.env, ...options.env },
    options,
  );
}

/** Removes the daemon's folders (unless RLT_KEEP_DIRS=1). Files owned by subordinate ids need root or the user's namespace. */
export async function removeDaemonEnv(denv: DaemonEnv): Promise<void> {
  if (process.env.RLT_KEEP_DIRS === '1') return;
  for (const dir of [denv.runtimeDir, denv.base]) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      await runCommand('unshare', ['--user', '--map-root-user', '--map-auto', '--', 'rm', '-rf', dir]);
    }
  }
}
