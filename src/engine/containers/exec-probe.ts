import type { ExecService } from './exec-service.js';
import { goDuration, MAX_OUTPUT_BYTES } from './healthcheck.js';
import type { LiveContainer } from './live-container.js';

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Runs a health probe as an exec (Docker does the same: exec events included) and
 * collects stdout and stderr together. Past `timeoutMs` the process is killed and the
 * result is Docker's: exit code -1, "Health check exceeded timeout (…)".
 */
export async function runProbe(
  exec: ExecService,
  c: LiveContainer,
  cmd: string[],
  timeoutMs: number,
): Promise<{ exitCode: number; output: string }> {
  const { Id } = await exec.create(
    c.id,
    {
      Cmd: cmd,
      Env: [],
      WorkingDir: '',
      User: '',
      Tty: false,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Privileged: false,
      DetachKeys: '',
    },
    true,
  );
  const chunks: Buffer[] = [];
  let size = 0;
  const session = exec.start(
    Id,
    { detach: false },
    {
      write: (_stream, data) => {
        if (size > MAX_OUTPUT_BYTES) return;
        chunks.push(data);
        size += data.length;
      },
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([session.done.then(() => 'done' as const), timedOut]);
    if (outcome === 'timeout') {
      const pid = exec.probeState(Id)?.pid ?? 0;
      if (pid > 0) killQuietly(pid);
      return { exitCode: -1, output: `Health check exceeded timeout (${goDuration(timeoutMs)})` };
    }
    return { exitCode: exec.probeState(Id)?.exitCode ?? -1, output: Buffer.concat(chunks).toString() };
  } catch {
    return { exitCode: exec.probeState(Id)?.exitCode ?? -1, output: Buffer.concat(chunks).toString() };
  } finally {
    clearTimeout(timer);
    void session.done.finally(() => exec.dropProbe(Id)).catch(() => undefined);
  }
}
