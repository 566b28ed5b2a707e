import type { Duplex } from 'node:stream';
import { type HijackContext, type HijackRouter, MULTIPLEXED_STREAM, RAW_STREAM } from '../hijack.js';
import { encodeFrame, StreamType } from '../streams/multiplexed.js';
import type { ContainersBackend } from './containers-backend.js';

/**
 * POST /containers/{id}/attach, hijacked: output as multiplexed frames (raw with a tty),
 * the client's bytes to the container's stdin. With `logs`, the log so far comes first.
 */
export function registerContainerHijackRoutes(router: HijackRouter, backend: ContainersBackend): void {
  router.add('POST', '/containers/:id/attach', (ctx) => attach(ctx, backend));
  // Docker's WebSocket attach: the same parameters, output never multiplexed.
  router.add('GET', '/containers/:id/attach/ws', (ctx) => attach(ctx, backend));
}

async function attach(ctx: HijackContext, backend: ContainersBackend): Promise<void> {
  const id = ctx.params.id ?? '';
  const q = ctx.query;
  const wantStdin = q.bool('stdin');
  const wantStdout = q.bool('stdout');
  const wantStderr = q.bool('stderr');
  const stream = q.bool('stream');
  const withLogs = q.bool('logs');
  // Validates the container before the upgrade (404 as a status).
  const { tty } = backend.logs(
    id,
    { stdout: true, stderr: true, follow: false, since: 0, until: 0, timestamps: false, tail: 0 },
    ctx.signal,
  );
  // Output that arrives while the log is replayed waits for it (the attach validates first: 400 before the upgrade).
  const raw = tty || ctx.websocket;
  let held: Array<['stdout' | 'stderr', Buffer]> | undefined = [];
  let conn: Duplex | undefined;
  const write = (which: 'stdout' | 'stderr', data: Buffer) => {
    if (!conn || conn.writableEnded || conn.destroyed) return;
    conn.write(raw ? data : encodeFrame(which === 'stdout' ? StreamType.stdout : StreamType.stderr, data));
  };
  const send = (which: 'stdout' | 'stderr', data: Buffer) => {
    if (held) held.push([which, data]);
    else write(which, data);
  };
  let ended = false;
  const session = stream
    ? backend.attach(
        id,
        { stdin: wantStdin, stdout: wantStdout, stderr: wantStderr, detachKeys: q.string('detachKeys') },
        {
          write: send,
          end: () => {
            ended = true;
          },
        },
      ).session
    : undefined;
  conn = ctx.start(raw ? RAW_STREAM : MULTIPLEXED_STREAM);
  if (withLogs) {
    const { chunks } = backend.logs(
      id,
      { stdout: wantStdout, stderr: wantStderr, follow: false, since: 0, until: 0, timestamps: false },
      ctx.signal,
    );
    for await (const batch of chunks) for (const chunk of batch) write(chunk.stream, chunk.data);
  }
  for (const [which, data] of held) write(which, data);
  held = undefined;
  if (!session) return;
  if (wantStdin) {
    conn.on('data', (chunk: Buffer) => session.writeStdin(chunk));
    conn.on('end', () => session.closeStdin());
    // Reading the request body may have paused the connection; a 'data' listener does not resume it.
    conn.resume();
  }
  const onAbort = () => session.detach();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  await session.ready.catch(() => undefined);
  await session.done;
  ctx.signal.removeEventListener('abort', onAbort);
  if (!ended) return;
}
