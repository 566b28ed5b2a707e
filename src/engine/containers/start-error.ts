import { InvalidParameter, isRootlessdError, type RootlessdError } from '../../errdefs/index.js';

/** runc's own message out of conmon's stderr (`level=error msg="…"`), unescaped. */
export function runtimeMessage(text: string): string | undefined {
  const m = /level=error msg="((?:[^"\\]|\\.)*)"/.exec(text);
  if (!m?.[1]) return undefined;
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return m[1];
  }
}

/**
 * A failed start as Docker words it. A missing or non-executable command is the client's
 * mistake (400), and the CLI turns "not found" into exit code 127, "permission denied" into 126.
 */
export function startError(err: unknown): { error: unknown; exitCode: number } {
  const text = err instanceof Error ? err.message : String(err);
  const msg = runtimeMessage(text);
  if (!msg) return { error: err, exitCode: 128 };
  const wrapped = `failed to create task for container: failed to create shim task: OCI runtime create failed: ${msg}: unknown`;
  if (/executable file not found|no such file or directory/.test(msg))
    return { error: new InvalidParameter(wrapped), exitCode: 127 };
  if (/permission denied/.test(msg)) return { error: new InvalidParameter(wrapped), exitCode: 126 };
  const kind = isRootlessdError(err) ? (err as RootlessdError) : undefined;
  return { error: kind ? Object.assign(err as Error, { message: wrapped }) : err, exitCode: 128 };
}
