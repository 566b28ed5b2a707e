import { spawnInNamespaces } from '../drivers/nsenter.js';
import { Internal } from '../errdefs/index.js';
import { ENGINE_CONFIG_ENV, type EngineConfig, EngineConfigSchema } from '../ipc/engine-config.js';

export interface EngineCommand {
  program: string;
  args: string[];
}

/**
 * V8 flags of the engine, for its idle memory: a young generation of at most 1 MiB per
 * semi-space (the default lets it grow to 16 MiB and keep them after a burst such as a pull;
 * large data flows through Buffers, outside that heap). Built code runs without
 * `--enable-source-maps`: Node would keep the bundle's 5 MB map in memory from the start and
 * its parsed form (tens of MB) after the first stack trace; `NODE_OPTIONS=--enable-source-maps`
 * in the launcher's environment turns it back on when debugging. `--expose-gc`: the engine runs a
 * full collection before it trims malloc's arenas at idle (src/drivers/malloc-trim.ts).
 * `--interrupt-budget=1048576` (8 times V8's default): a function must run longer before it gets
 * feedback vectors and optimised code, so the many that run only at start or once per request
 * never do; the idle engine keeps ~3 MiB less anonymous memory, with no measurable cost to
 * `docker run`/`exec` times or to the engine's CPU for a pull (bench/run/compare.ts,
 * bench/pull/loop.ts, alternated builds).
 */
export const ENGINE_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=1',
  '--expose-gc',
  '--interrupt-budget=1048576',
];

/**
 * How the engine is run: Node itself (process.execPath) on `<dist>/cli/engine.bundle.mjs`
 * (or engine.js), or on the TypeScript source through tsx when the launcher runs from source.
 */
export function engineCommand(
  entry: string,
  nodePath = process.execPath,
  profileDir = process.env.ROOTLESSD_ENGINE_CPU_PROF,
): EngineCommand {
  const viaTsx = entry.endsWith('.ts');
  // A developer's aid: V8 CPU profiles of the engine written to this folder when it exits.
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  return {
    program: nodePath,
    args: [
      ...ENGINE_NODE_FLAGS,
      ...profile,
      ...(viaTsx ? ['--enable-source-maps', '--import', 'tsx'] : []),
      entry,
    ],
  };
}

/** Validates the configuration against the shared schema and serialises it for the engine. */
export function engineEnvironment(config: EngineConfig, logLevel?: string): Record<string, string> {
  const parsed = EngineConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new Internal(
      `the engine configuration is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return {
    [ENGINE_CONFIG_ENV]: JSON.stringify(parsed.data),
    ...(logLevel ? { ROOTLESSD_LOG_LEVEL: logLevel === 'warning' ? 'warn' : logLevel } : {}),
  };
}

/**
 * Spawns the engine inside the holder's user and mount namespaces (not its network
 * namespace): `nsenter --user --mount [--preserve-credentials] -t HOLDER -- node … engine.js`.
 * Credentials are preserved for a normal user (its own uid is 0 inside); root's own uid is
 * not mapped, so nsenter switches to the namespace's root (a subordinate id on the host).
 */
export function spawnEngine(options: {
  holderPid: number;
  asRoot: boolean;
  command: EngineCommand;
  env: Record<string, string>;
}) {
  return spawnInNamespaces(
    { target: options.holderPid, user: true, mount: true, preserveCredentials: !options.asRoot },
    options.command.program,
    options.command.args,
    { env: options.env, stdio: ['ignore', 'inherit', 'inherit'], detached: true, buffer: false },
  );
}
