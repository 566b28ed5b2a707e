import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { type CommandOptions, type CommandResult, runChecked, runCommand } from './command.js';

/**
 * The unprivileged user the integration tests run the daemon as. Run as root (CI), the suite
 * prepares a dedicated user as a distribution would; run as an ordinary user, it is that user.
 */
export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** True when the suite runs as root and reaches the user through runuser. */
  viaRunuser: boolean;
}

export const TEST_USER_NAME = process.env.RLT_TEST_USER || 'rlt-test';
export const USER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Scratch space on disk (not tmpfs), readable by the test user: data roots, app copy, logs. */
export const CI_DIR = '/var/tmp/rootlessd-ci';

const isRoot = process.getuid?.() === 0;
let prepared: Promise<TestUser> | undefined;

/** The test user, prepared once per process. */
export function testUser(): Promise<TestUser> {
  prepared ??= isRoot ? prepareAsRoot() : Promise.resolve(currentUser());
  return prepared;
}

function currentUser(): TestUser {
  const me = userInfo();
  return { name: me.username, uid: me.uid, gid: me.gid, home: me.homedir, viaRunuser: false };
}

function passwdEntry(name: string): TestUser | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const f = line.split(':');
  return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? `/home/${name}`, viaRunuser: true };
}

/** The first id after every range in /etc/subuid or /etc/subgid (at least 100000). */
function nextFreeRange(file: string): number {
  let end = 100_000;
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [, start, count] = line.split(':');
      if (start && count) end = Math.max(end, Number(start) + Number(count));
    }
  }
  return end;
}

function hasRange(file: string, user: TestUser): boolean {
  if (!existsSync(file)) return false;
  return readFileSync(file, 'utf8')
    .split('\n')
    .some((l) => l.startsWith(`${user.name}:`) || l.startsWith(`${user.uid}:`));
}

async function prepareAsRoot(): Promise<TestUser> {
  if (!passwdEntry(TEST_USER_NAME)) {
    await runChecked('useradd', ['-m', '-s', '/bin/bash', TEST_USER_NAME]);
  }
  const user = passwdEntry(TEST_USER_NAME)!;
  if (!existsSync(user.home)) {
    mkdirSync(user.home, { recursive: true, mode: 0o755 });
    chownSync(user.home, user.uid, user.gid);
  }
  for (const [file, flag] of [
    ['/etc/subuid', '--add-subuids'],
    ['/etc/subgid', '--add-subgids'],
  ] as const) {
    if (!hasRange(file, user)) {
      const start = nextFreeRange(file);
      await runChecked('usermod', [flag, `${start}-${start + 65535}`, user.name]);
    }
  }
  makeDevicesUsable();
  mkdirSync(CI_DIR, { recursive: true, mode: 0o755 });
  chmodSync(CI_DIR, 0o755);
  return user;
}

/** What a distribution's udev rules do: /dev/fuse and /dev/net/tun usable by everyone. */
export function makeDevicesUsable(): void {
  for (const dev of ['/dev/fuse', '/dev/net/tun']) {
    if (existsSync(dev) && (statSync(dev).mode & 0o777) !== 0o666) chmodSync(dev, 0o666);
  }
}

/** A new private folder (0700) owned by the test user. */
export function makeUserDir(user: TestUser, parent: string, prefix: string): string {
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(parent, prefix));
  chmodSync(dir, 0o700);
  if (user.viaRunuser) chownSync(dir, user.uid, user.gid);
  return dir;
}

/** The environment a login shell of the user would have, plus extras. */
export function userEnv(user: TestUser, extra: Record<string, string> = {}): Record<string, string> {
  return { HOME: user.home, USER: user.name, LOGNAME: user.name, PATH: USER_PATH, LANG: 'C.UTF-8', ...extra };
}

/** The command line that runs file as the user with exactly env (and nothing inherited). */
export function asUserCommand(
  user: TestUser,
  file: string,
  args: readonly string[],
  env: Record<string, string>,
): { file: string; args: string[]; env: Record<string, string> } {
  if (!user.viaRunuser) return { file, args: [...args], env };
  const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return {
    file: 'runuser',
    args: ['-u', user.name, '--', 'env', '-i', ...pairs, file, ...args],
    env: { PATH: USER_PATH },
  };
}

/** Runs a program as the test user with the given environment (nothing else inherited). */
export function runAsUser(
  user: TestUser,
  file: string,
  args: readonly string[],
  env: Record<string, string>,
  options: Omit<CommandOptions, 'env' | 'cleanEnv'> = {},
): Promise<CommandResult> {
  const cmd = asUserCommand(user, file, args, env);
  return runCommand(cmd.file, cmd.args, {
    ...options,
    cwd: options.cwd ?? '/',
    env: cmd.env,
    cleanEnv: true,
  });
}
