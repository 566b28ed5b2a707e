import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChecked } from './command.js';
import { CI_DIR, runAsUser, type TestUser, userEnv } from './test-user.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const COPY_DIR = join(CI_DIR, 'app');
const STAMP = '.copied-for-run';

/**
 * Identifies one `npm test` run: scripts/test.mjs sets it; under a bare `node --test` every
 * test file's process shares the runner as its parent.
 */
function runId(): string {
  return process.env.RLT_TEST_RUN_ID || `ppid-${process.ppid}`;
}

let cached: Promise<string> | undefined;

/**
 * The folder holding dist/, node_modules/, package.json (and src/, tsconfig.json for tests
 * that run TypeScript as the user through tsx) that the test user can read: the repository
 * itself when it can, else a copy made once per run (a CI checkout may live under a folder
 * only root can enter).
 */
export function appDir(user: TestUser): Promise<string> {
  cached ??= locate(user);
  return cached;
}

async function locate(user: TestUser): Promise<string> {
  const main = join(REPO_ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  if (!user.viaRunuser) return REPO_ROOT;
  const probe = await runAsUser(
    user,
    'test',
    ['-r', main, '-a', '-r', join(REPO_ROOT, 'package.json')],
    userEnv(user),
  );
  if (probe.exitCode === 0) return REPO_ROOT;

  const stampFile = join(COPY_DIR, STAMP);
  const id = `${REPO_ROOT} ${runId()}`;
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === id) return COPY_DIR;
  const tmp = `${COPY_DIR}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  await runChecked('mkdir', ['-p', tmp]);
  const parts = ['dist', 'node_modules', 'package.json', 'systemd-user', 'src', 'tsconfig.json'].filter((p) =>
    existsSync(join(REPO_ROOT, p)),
  );
  await runChecked('cp', ['-a', ...parts.map((p) => join(REPO_ROOT, p)), tmp]);
  await runChecked('chmod', ['-R', 'a+rX', tmp]);
  writeFileSync(join(tmp, STAMP), id);
  rmSync(COPY_DIR, { recursive: true, force: true });
  renameSync(tmp, COPY_DIR);
  return COPY_DIR;
}
