import { InvalidParameter } from '../../errdefs/index.js';

/** Log drivers rootlessd offers: all write conmon's k8s-file format, read back by `docker logs`. */
export const LOG_DRIVERS = ['json-file', 'local', 'k8s-file'] as const;
export const DEFAULT_LOG_DRIVER = 'json-file';

/** Docker's other built-in drivers: known, but not offered here. */
const DOCKER_DRIVERS = new Set([
  'none',
  'syslog',
  'journald',
  'gelf',
  'fluentd',
  'awslogs',
  'splunk',
  'etwlogs',
  'gcplogs',
  'logentries',
]);

const OPTS: Record<string, Set<string>> = {
  'json-file': new Set([
    'max-size',
    'max-file',
    'compress',
    'labels',
    'labels-regex',
    'env',
    'env-regex',
    'tag',
  ]),
  local: new Set(['max-size', 'max-file', 'compress']),
  'k8s-file': new Set(['max-size', 'max-file', 'tag']),
};

export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

/** The daemon's defaults (daemon.json `log-driver`, `log-opts`). */
export interface LogDefaults {
  driver?: string | undefined;
  opts?: Record<string, string> | undefined;
}

/** go-units RAMInBytes: `10k`, `1.5m`, `20MB`, `512` (binary multiples). */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (!m) throw new InvalidParameter(`invalid size: '${text}'`);
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(Number.parseFloat(m[1] as string) * 1024 ** power);
}

function parseMaxFile(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new InvalidParameter(`strconv.Atoi: parsing "${text}": invalid syntax`);
  const n = Number.parseInt(text, 10);
  if (n < 1) throw new InvalidParameter('max-file cannot be less than 1');
  return n;
}

/**
 * Docker's mergeAndVerifyLogConfig: the daemon's driver when none is given, its options
 * added when the driver is the daemon's, then the options checked for the driver.
 */
export function resolveLogConfig(
  own: { Type?: string | null; Config?: Record<string, string> | null } | null | undefined,
  defaults: LogDefaults = {},
): LogConfig {
  const daemonDriver = defaults.driver || DEFAULT_LOG_DRIVER;
  const type = own?.Type || daemonDriver;
  const config: Record<string, string> = { ...(own?.Config ?? {}) };
  if (type === daemonDriver)
    for (const [k, v] of Object.entries(defaults.opts ?? {})) if (!(k in config)) config[k] = v;
  validateLogConfig({ Type: type, Config: config });
  return { Type: type, Config: config };
}

export function validateLogConfig(cfg: LogConfig): void {
  const allowed = OPTS[cfg.Type];
  if (!allowed) {
    if (DOCKER_DRIVERS.has(cfg.Type))
      throw new InvalidParameter(`logging driver "${cfg.Type}" is not supported by rootlessd`);
    throw new InvalidParameter(`logger: no log driver named '${cfg.Type}' is registered`);
  }
  for (const key of Object.keys(cfg.Config))
    if (!allowed.has(key)) throw new InvalidParameter(`unknown log opt '${key}' for ${cfg.Type} log driver`);
  rotationOf(cfg);
}

/** How the log rotates: undefined when it grows without bound. `maxFile` counts the live file. */
export function rotationOf(cfg: LogConfig): { maxSize: number; maxFile: number } | undefined {
  const local = cfg.Type === 'local';
  const sizeText = cfg.Config['max-size'] ?? (local ? '20m' : undefined);
  const maxFile = parseMaxFile(cfg.Config['max-file'] ?? (local ? '5' : '1'));
  if (sizeText === undefined || sizeText === '-1') return undefined;
  const maxSize = parseSize(sizeText);
  return maxSize > 0 ? { maxSize, maxFile } : undefined;
}
