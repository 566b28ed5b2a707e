/** The rootlessd command line: the daemon (launcher) and its subcommands. Entry: main.ts. */
// First: zod's setting applies to schemas built after it (zod-jitless.ts).
import '../types/zod-jitless.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDaemonConfig, resolveDataRoot } from '../config/load.js';
import { xdgPaths } from '../config/paths.js';
import type { DaemonConfig } from '../config/schema.js';
import { isRootlessdError } from '../errdefs/index.js';
import { engineCommand } from '../launcher/engine-process.js';
import { runLauncher } from '../launcher/launcher.js';
import { checkPrerequisites } from '../launcher/prerequisites/index.js';
import type { CheckResult } from '../launcher/prerequisites/types.js';
import { moduleLogger, setLogLevel } from '../log/index.js';

const log = moduleLogger('main');

const USAGE = `Usage: rootlessd [daemon] [OPTIONS]
       rootlessd doctor | install | uninstall [OPTIONS]

A per-user, rootless container daemon that speaks the Docker Engine API.

Commands:
  daemon       run the daemon in the foreground (the default)
  doctor       check the prerequisites and print the fixes
  install      install and start the systemd user service
  uninstall    stop and remove the user service (the data is kept)

Options:
  -H, --host list          daemon socket(s) to listen on (unix:///PATH, tcp://HOST:PORT with TLS)
      --data-root string   root folder of the daemon's data
      --log-level string   debug, info, warn, error, fatal
      --storage-driver s   overlay2, fuse-overlayfs, vfs
      --config-file string daemon configuration file
  -h, --help               print this help
  -v, --version            print the version
`;

/** The directory that holds cli/, launcher/ … of the running code (dist/ or src/). */
function codeRoot(): string {
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(codeRoot(), '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function parseDaemonFlags(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string', short: 'H', multiple: true },
      'data-root': { type: 'string' },
      'log-level': { type: 'string' },
      'storage-driver': { type: 'string' },
      'config-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
    allowPositionals: false,
  });
  return values;
}

/** Daemon flags in daemon.json's vocabulary, for loadDaemonConfig to merge over the file. */
function flagsAsConfig(values: ReturnType<typeof parseDaemonFlags>): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  if (values.host?.length) flags.hosts = values.host;
  if (values['data-root'] !== undefined) flags['data-root'] = values['data-root'];
  if (values['log-level'] !== undefined) flags['log-level'] = values['log-level'];
  if (values['storage-driver'] !== undefined) flags['storage-driver'] = values['storage-driver'];
  return flags;
}

function printBlocking(failures: readonly CheckResult[]): void {
  const lines = ['rootlessd cannot start: a prerequisite is missing.', ''];
  for (const f of failures) {
    lines.push(`  ✗ ${f.title}: ${f.detail}`);
  }
  const fixes = failures.flatMap((f) => (f.fix ? [f.fix] : []));
  if (fixes.length > 0) {
    lines.push('', 'To fix it, an administrator runs:');
    for (const fix of fixes) {
      for (const [family, command] of Object.entries(fix)) {
        if (command) lines.push(`  ${family === 'any' ? '' : `(${family}) `}${command}`);
      }
    }
  }
  lines.push('', 'Run `rootlessd doctor` for the full report.');
  process.stderr.write(`${lines.join('\n')}\n`);
}

async function daemon(args: string[]): Promise<number> {
  const values = parseDaemonFlags(args);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`rootlessd version ${version()}\n`);
    return 0;
  }
  const flags = flagsAsConfig(values);
  const loaded = await loadDaemonConfig({ configFile: values['config-file'], flags });
  if (loaded.config['log-level']) setLogLevel(loaded.config['log-level']);
  const xdg = xdgPaths();
  const { dataRoot, warning } = await resolveDataRoot(loaded.config, xdg);
  if (warning) log.warn(warning);

  const failures = (await checkPrerequisites()).filter((r) => r.status === 'fail' && r.blocksStart);
  if (failures.length > 0) {
    printBlocking(failures);
    return 1;
  }

  const reloadConfig = async (): Promise<DaemonConfig> => {
    const next = await loadDaemonConfig({ configFile: values['config-file'], flags });
    if (next.config['log-level']) setLogLevel(next.config['log-level']);
    return next.config;
  };
  return runLauncher({
    config: loaded.config,
    ...(loaded.file ? { configFile: loaded.file } : {}),
    dataRoot,
    xdg,
    warnings: warning ? [warning] : [],
    engine: engineCommand(engineEntry()),
    reloadConfig,
  });
}

/** The engine's entry: the bundle `npm run build` makes (it starts faster), else the module. */
function engineEntry(): string {
  if (import.meta.url.endsWith('.ts')) return join(codeRoot(), 'cli', 'engine.ts');
  const bundle = join(codeRoot(), 'cli', 'engine.bundle.mjs');
  return existsSync(bundle) ? bundle : join(codeRoot(), 'cli', 'engine.js');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'doctor':
      return (await import('./doctor.js')).doctorCommand(rest);
    case 'install':
      return (await import('./install.js')).installCommand(rest);
    case 'uninstall':
      return (await import('./install.js')).uninstallCommand(rest);
    case 'daemon':
      return daemon(rest);
    default:
      if (command !== undefined && !command.startsWith('-')) {
        process.stderr.write(`rootlessd: unknown command "${command}"\n\n${USAGE}`);
        return 2;
      }
      return daemon(argv);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Timers of finished supervisors must not keep the process alive.
    setTimeout(() => process.exit(code), 100).unref();
  },
  (err: unknown) => {
    if (isRootlessdError(err)) {
      process.stderr.write(`rootlessd: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}\n`);
    } else if (
      err instanceof TypeError &&
      (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`rootlessd: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    } else {
      process.stderr.write(`rootlessd: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exitCode = 1;
  },
);
