import { InvalidParameter, isRootlessdError, type RootlessdError } from '../../errdefs/index.js';

/**
 * crun words a missing or non-executable command differently from runc; Docker's users, and
 * the CLI's exit codes 127/126, know runc's words: `exec: "CMD": executable file not found in
 * $PATH`, `permission denied`.
 */
export function runcWording(msg: string): string {
  return msg
    .replace(
      /executable file `([^`]*)` not found in \$PATH(?:: No such file or directory)?/,
      (_m, cmd: string) => `exec: "${cmd}": executable file not found in $PATH`,
    )
    .replace(/open executable: Permission denied/, 'exec: permission denied');
}

/**
 * crun refuses an empty command as "open executable: Operation not permitted"; runc, as
 * Docker's users know it, says it is not found (and the CLI's exit code is 127). `command` is
 * the program the container or exec was to run, the fact this is decided on.
 */
export function commandWording(msg: string, command: string | undefined): string {
  return command === '' && /open executable: Operation not permitted/.test(msg)
    ? 'exec: "": executable file not found in $PATH'
    : msg;
}

/**
 * The runtime's own message: runc's out of conmon's stderr (`level=error msg="…"`),
 * unescaped, or crun's, which conmon passes on the sync pipe (`conmon: …`).
 */
export function runtimeMessage(text: string): string | undefined {
  const m = /level=error msg="((?:[^"\\]|\\.)*)"/.exec(text);
  if (!m?.[1]) {
    const crun = /^conmon: (?!exited before|no sync pipe|runtime failed)(.+)/.exec(text.split('\n')[0] ?? '');
    return crun?.[1] ? runcWording(crun[1]) : undefined;
  }
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return m[1];
  }
}

/**
 * A failed start as Docker words it. A missing or non-executable command is the client's
 * mistake (400), and the CLI turns "not found" into exit code 127, "permission denied" into 126.
 * `command` is the container's (its Path), where the runtime's words depend on it.
 */
export function startError(err: unknown, command?: string): { error: unknown; exitCode: number } {
  const text = err instanceof Error ? err.message : String(err);
  const raw = runtimeMessage(text);
  const msg = raw === undefined ? undefined : commandWording(raw, command);
  if (!msg) return { error: err, exitCode: 128 };
  const wrapped = `failed to create task for container: failed to create shim task: OCI runtime create failed: ${msg}: unknown`;
  if (/executable file not found|no such file or directory/.test(msg))
    return { error: new InvalidParameter(wrapped), exitCode: 127 };
  if (/permission denied/i.test(msg)) return { error: new InvalidParameter(wrapped), exitCode: 126 };
  const kind = isRootlessdError(err) ? (err as RootlessdError) : undefined;
  return { error: kind ? Object.assign(err as Error, { message: wrapped }) : err, exitCode: 128 };
}
