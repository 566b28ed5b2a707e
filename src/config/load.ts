import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameter, NotFound } from '../errdefs/index.js';
import { describeIssues } from './config-issues.js';
import { xdgPaths } from './paths.js';
import { type DaemonConfig, DaemonConfigSchema } from './schema.js';

export { type DataRootOptions, localDataRoot, type ResolvedDataRoot, resolveDataRoot } from './data-root.js';

export interface LoadConfigOptions {
  /** `--config-file`: must exist when given. Default: `$XDG_CONFIG_HOME/rootlessd/daemon.json`. */
  configFile?: string;
  /** Command-line flags, in daemon.json's key names; undefined values are not set. */
  flags: Partial<DaemonConfig>;
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: DaemonConfig;
  /** The file read, when there was one. */
  file?: string;
}

export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(xdgPaths(env).configDir, 'daemon.json');
}

async function readConfigText(path: string, explicit: boolean): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return undefined;
    if (code === 'ENOENT') throw new NotFound(`configuration file ${path} does not exist`);
    throw new InvalidParameter(`cannot read configuration file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function parseFile(path: string, text: string): DaemonConfig {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw new InvalidParameter(`${path}: invalid JSON: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidParameter(`${path}: must hold a JSON object`);
  }
  const parsed = DaemonConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidParameter(
      describeIssues(parsed.error.issues, raw)
        .map((line) => `${path}: ${line}`)
        .join('\n'),
    );
  }
  return parsed.data;
}

function definedFlags(flags: Partial<DaemonConfig>): Partial<DaemonConfig> {
  return Object.fromEntries(
    Object.entries(flags).filter(([, v]) => v !== undefined),
  ) as Partial<DaemonConfig>;
}

function parseFlags(flags: Partial<DaemonConfig>): Partial<DaemonConfig> {
  const parsed = DaemonConfigSchema.safeParse(flags);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error.issues, flags).map((line) =>
      line.replace(/^"([^"]+)"/, '--$1').replace(/^unknown key "([^"]+)"/, 'unknown flag --$1'),
    );
    throw new InvalidParameter(lines.map((l) => `flag ${l}`).join('\n'));
  }
  return parsed.data;
}

/**
 * As dockerd: a directive given both as a flag and in the file is refused rather than
 * silently overridden.
 */
function refuseConflicts(path: string, file: DaemonConfig, flags: Partial<DaemonConfig>): void {
  const both = Object.keys(flags).filter((k) => k in file) as (keyof DaemonConfig)[];
  if (!both.length) return;
  const list = both
    .map((k) => `${k}: (from flag: ${JSON.stringify(flags[k])}, from file: ${JSON.stringify(file[k])})`)
    .join(', ');
  throw new InvalidParameter(
    `unable to configure the daemon with file ${path}: the following directives are specified both as a flag and in the configuration file: ${list}`,
  );
}

/**
 * daemon.json merged with the command-line flags, validated. A missing default file is an
 * empty configuration; a missing file named by `--config-file` is an error. Every problem
 * names its key.
 */
export async function loadDaemonConfig(opts: LoadConfigOptions): Promise<LoadedConfig> {
  const explicit = opts.configFile !== undefined;
  const path = opts.configFile ?? defaultConfigFile(opts.env);
  const flags = parseFlags(definedFlags(opts.flags));
  const text = await readConfigText(path, explicit);
  if (text === undefined) return { config: flags };
  const file = parseFile(path, text);
  refuseConflicts(path, file, flags);
  return { config: { ...file, ...flags }, file: path };
}
