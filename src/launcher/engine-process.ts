import { spawnInNamespaces } from '../drivers/nsenter.js';
import { Internal } from '../errdefs/index.js';
import { ENGINE_CONFIG_ENV, type EngineConfig, EngineConfigSchema } from '../ipc/engine-config.js';

export interface EngineCommand {
  program: string;
  args: string[];
}

/**
 * How the engine is run: Node itself (process.execPath) on `<dist>/cli/engine.js`, or on the
 * TypeScript source through tsx when the launcher runs from source.
 */
export function engineCommand(entry: string, nodePath = process.execPath): EngineCommand {
  const viaTsx = entry.endsWith('.ts');
  return { program: nodePath, args: ['--enable-source-maps', ...(viaTsx ? ['--import', 'tsx'] : []), entry] };
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
