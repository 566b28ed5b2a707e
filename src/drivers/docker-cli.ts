import { run } from './exec.js';

const DOCKER = 'docker';
const TIMEOUT_MS = 15_000;

/** The docker CLI's version line, or undefined when the CLI is not installed. */
export async function dockerCliVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run(DOCKER, ['--version'], { timeoutMs: TIMEOUT_MS });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

export async function contextExists(name: string): Promise<boolean> {
  try {
    await run(DOCKER, ['context', 'inspect', name], { timeoutMs: TIMEOUT_MS });
    return true;
  } catch {
    return false;
  }
}

/** Creates (or updates, when it exists) a CLI context whose endpoint is `host`. */
export async function upsertContext(
  name: string,
  host: string,
  description: string,
): Promise<'created' | 'updated'> {
  const exists = await contextExists(name);
  const verb = exists ? 'update' : 'create';
  await run(DOCKER, ['context', verb, name, '--description', description, '--docker', `host=${host}`], {
    timeoutMs: TIMEOUT_MS,
  });
  return exists ? 'updated' : 'created';
}

/** Removes a CLI context, even when it is the current one (`docker context rm -f`). */
export async function removeContext(name: string): Promise<boolean> {
  if (!(await contextExists(name))) return false;
  await run(DOCKER, ['context', 'rm', '-f', name], { timeoutMs: TIMEOUT_MS });
  return true;
}
