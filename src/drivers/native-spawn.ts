import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { moduleLogger } from '../log/index.js';

const log = moduleLogger('exec');

/**
 * vfork(2) + execve(2) through our addon (native/spawn.c → dist/native/spawn.node). Node's
 * child_process forks the whole engine before the exec: with the engine's heap that is several
 * milliseconds with the event loop blocked, on the path of every `docker exec`. Undefined when
 * the addon was not built (no C compiler). Called only by exec.ts (spawnLight), which logs the
 * command line and falls back to execa.
 */
interface SpawnAddon {
  spawn(file: string, args: string[], env: string[], stdio: SpawnStdio[]): { pid: number; fds: number[] };
}

/** A child descriptor: /dev/null, or one end of a unix stream socket pair (Node's "pipe"). */
export type SpawnStdio = 'ignore' | 'pipe';

export interface NativeChild {
  pid: number;
  /** The engine's end of each "pipe" descriptor, by the child's descriptor number. */
  stdio: Array<Socket | undefined>;
}

let addon: SpawnAddon | null | undefined;

function load(): SpawnAddon | undefined {
  if (addon !== undefined) return addon ?? undefined;
  const require = createRequire(import.meta.url);
  // dist/drivers/*.js and dist/cli/engine.bundle.mjs sit one level below dist/; src/drivers/*.ts two.
  for (const path of ['../native/spawn.node', '../../dist/native/spawn.node']) {
    try {
      addon = require(path) as SpawnAddon;
      return addon;
    } catch {}
  }
  log.info('native spawn addon missing: conmon for an exec is spawned through Node (execa)');
  addon = null;
  return undefined;
}

/**
 * Starts `file` with the engine's environment plus `env`, its descriptors as `stdio` says;
 * undefined when the addon is missing. The child is waited for by the addon (no zombie) but its
 * exit is not reported: the caller learns what it needs from the pipes. Throws (code ENOENT,
 * EACCES, …) when the program cannot be run.
 */
export function spawnNative(
  file: string,
  args: readonly string[],
  options: { stdio: SpawnStdio[]; env?: Record<string, string> },
): NativeChild | undefined {
  const a = load();
  if (!a) return undefined;
  const env = Object.entries({ ...process.env, ...options.env })
    .filter((kv): kv is [string, string] => kv[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  const { pid, fds } = a.spawn(file, [file, ...args], env, options.stdio);
  return {
    pid,
    stdio: fds.map((fd) => (fd < 0 ? undefined : new Socket({ fd, readable: true, writable: true }))),
  };
}
