import { access, mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDaemonConfig, resolveDataRoot } from '../config/load.js';
import { runtimePaths, xdgPaths } from '../config/paths.js';
import { dockerCliVersion, removeContext, upsertContext } from '../drivers/docker-cli.js';
import { daemonReload, disableNow, enableNow, userManagerAvailable } from '../drivers/systemctl.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { LAUNCHER_NODE_FLAGS } from './node-flags.js';

const UNIT = 'rootlessd.service';
const CONTEXT = 'rootlessd';

const INSTALL_USAGE = `Usage: rootlessd install [--unit-only]

Installs rootlessd as a systemd user service: writes ~/.config/systemd/user/${UNIT},
runs systemctl --user daemon-reload and enable --now, and creates the docker CLI
context "${CONTEXT}".

Options:
  --unit-only   only write the unit file (also where no user service manager runs)
  -h, --help`;

const UNINSTALL_USAGE = `Usage: rootlessd uninstall

Stops and disables the user service, removes its unit file and the docker CLI context
"${CONTEXT}". The images, containers and volumes are kept.`;

/** The checkout (or installed package) this code runs from: the folder above src/ or dist/. */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function unitFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(configHome, 'systemd', 'user', UNIT);
}

/** Quotes one ExecStart word for systemd: `%` doubled, spaces and quotes in double quotes. */
function unitWord(word: string): string {
  const escaped = word.replace(/%/g, '%%');
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/(["\\])/g, '\\$1')}"` : escaped;
}

/**
 * The user unit from the template, with ExecStart set to `NODE FLAGS MAIN` and NODE's folder first
 * in the unit's PATH (so the engine and helpers find the same node).
 */
export function renderUnit(template: string, nodePath: string, mainPath: string): string {
  const nodeDir = dirname(nodePath);
  let sawExec = false;
  const lines = template.split('\n').map((line) => {
    if (line.startsWith('ExecStart=')) {
      sawExec = true;
      return `ExecStart=${unitWord(nodePath)} ${LAUNCHER_NODE_FLAGS.join(' ')} ${unitWord(mainPath)}`;
    }
    const path = /^Environment=PATH=(.*)$/.exec(line);
    if (path?.[1] !== undefined && !path[1].split(':').includes(nodeDir)) {
      return `Environment=PATH=${nodeDir}:${path[1]}`;
    }
    return line;
  });
  if (!sawExec) throw new Error('the unit template has no ExecStart= line');
  return lines.join('\n');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function dockerHostLines(env: NodeJS.ProcessEnv): string[] {
  const socket = runtimePaths(xdgPaths(env).runtimeDir).socket;
  const line = env.XDG_RUNTIME_DIR
    ? 'export DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock'
    : `export DOCKER_HOST=unix://${socket}`;
  return [
    'Point the docker CLI (and SDKs) at it with:',
    '',
    `    ${line}`,
    '',
    `or: docker context use ${CONTEXT}`,
  ];
}

async function createContext(env: NodeJS.ProcessEnv, say: (...lines: string[]) => void): Promise<void> {
  if (!(await dockerCliVersion())) {
    say('docker CLI not found: no docker context created.');
    return;
  }
  const host = `unix://${runtimePaths(xdgPaths(env).runtimeDir).socket}`;
  try {
    const how = await upsertContext(CONTEXT, host, 'rootlessd (rootless, per user)');
    say(`docker context "${CONTEXT}" ${how} (${host}).`);
  } catch (err) {
    say(`could not create the docker context "${CONTEXT}": ${(err as Error).message}`);
  }
}

function foregroundHelp(root: string, main: string): string[] {
  return [
    'Without a user service manager, run rootlessd in the foreground instead:',
    '',
    `    ${unitWord(process.execPath)} ${LAUNCHER_NODE_FLAGS.join(' ')} ${unitWord(main)}     # or: rootlessd, or: cd ${root} && npm start`,
    '',
    'and keep it running under tmux, screen or your own supervisor.',
  ];
}

/** `rootlessd install [--unit-only]`. */
export async function installCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let unitOnly = false;
  for (const arg of args) {
    if (arg === '--unit-only') unitOnly = true;
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${INSTALL_USAGE}\n`);
      return 0;
    } else {
      process.stderr.write(`rootlessd install: unknown argument "${arg}"\n\n${INSTALL_USAGE}\n`);
      return 2;
    }
  }
  const out: string[] = [];
  const say = (...lines: string[]) => out.push(...lines);
  const flush = () => process.stdout.write(`${out.splice(0).join('\n')}\n`);
  const root = packageRoot();
  const main = join(root, 'dist', 'cli', 'main.js');
  if (!(await exists(main))) {
    process.stderr.write(
      `rootlessd install: ${main} does not exist: run \`npm run build\` in ${root} first\n`,
    );
    return 1;
  }
  const systemd = await userManagerAvailable();
  if (!systemd && !unitOnly) {
    say('No user service manager answers `systemctl --user` here (no systemd, or no login session):');
    say('the unit was not installed. `rootlessd install --unit-only` writes it anyway.', '');
    say(...foregroundHelp(root, main), '');
    await createContext(env, say);
    say('', ...dockerHostLines(env));
    flush();
    return 1;
  }
  const template = await readFile(join(root, 'systemd-user', UNIT), 'utf8');
  const unitPath = unitFilePath(env);
  await mkdir(dirname(unitPath), { recursive: true });
  await writeFileAtomic(unitPath, renderUnit(template, process.execPath, main), 0o644);
  say(`Wrote ${unitPath}.`);
  if (systemd && !unitOnly) {
    try {
      await daemonReload();
      await enableNow(UNIT);
      say(`Started and enabled ${UNIT} (systemctl --user status ${UNIT}; journalctl --user -u ${UNIT}).`);
    } catch (err) {
      flush();
      process.stderr.write(`rootlessd install: ${(err as Error).message}\n`);
      return 1;
    }
  } else if (systemd) {
    say(`Start it with: systemctl --user daemon-reload && systemctl --user enable --now ${UNIT}`);
  } else {
    say('No user service manager answers `systemctl --user` here: the unit is written but not started.', '');
    say(...foregroundHelp(root, main), '');
  }
  await createContext(env, say);
  say('', ...dockerHostLines(env));
  say('', `To keep it running after you log out: loginctl enable-linger ${env.USER ?? '$USER'} (as root).`);
  flush();
  return 0;
}

async function dataRootFor(env: NodeJS.ProcessEnv): Promise<string> {
  const xdg = xdgPaths(env);
  try {
    const { config } = await loadDaemonConfig({ flags: {}, env });
    return (await resolveDataRoot(config, xdg)).dataRoot;
  } catch {
    return xdg.dataHome;
  }
}

/** `rootlessd uninstall`: stops and removes the service and the context; keeps the data. */
export async function uninstallCommand(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  for (const arg of args) {
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${UNINSTALL_USAGE}\n`);
      return 0;
    }
    process.stderr.write(`rootlessd uninstall: unknown argument "${arg}"\n\n${UNINSTALL_USAGE}\n`);
    return 2;
  }
  const out: string[] = [];
  const unitPath = unitFilePath(env);
  const systemd = await userManagerAvailable();
  if (systemd) {
    try {
      await disableNow(UNIT);
      out.push(`Stopped and disabled ${UNIT}.`);
    } catch (err) {
      out.push(`systemctl --user disable --now ${UNIT}: ${(err as Error).message}`);
    }
  }
  if (await exists(unitPath)) {
    await rm(unitPath, { force: true });
    out.push(`Removed ${unitPath}.`);
    if (systemd) await daemonReload().catch(() => undefined);
  } else {
    out.push(`No unit file at ${unitPath}.`);
  }
  if (await dockerCliVersion()) {
    try {
      out.push(
        (await removeContext(CONTEXT))
          ? `Removed docker context "${CONTEXT}".`
          : `No docker context "${CONTEXT}".`,
      );
    } catch (err) {
      out.push(`could not remove the docker context "${CONTEXT}": ${(err as Error).message}`);
    }
  }
  const dataRoot = await dataRootFor(env);
  out.push(
    '',
    `Your images, containers and volumes are kept in ${dataRoot}.`,
    'To delete them (some files there belong to your subordinate ids, so remove them inside a user namespace):',
    '',
    `    unshare --user --map-root-user --map-auto rm -rf ${unitWord(dataRoot)}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
