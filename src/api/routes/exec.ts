import { Hono } from 'hono';
import { z } from 'zod';
import { lazySchema } from '../../types/lazy-schema.js';
import type { ExecBackend, ExecCreateConfig } from '../backends.js';
import { parseJsonText, readJsonBody } from '../body.js';
import type { ApiEnv } from '../env.js';
import { type HijackContext, type HijackRouter, MULTIPLEXED_STREAM, RAW_STREAM } from '../hijack.js';
import { DockerQuery } from '../query.js';
import { encodeFrame, StreamType } from '../streams/multiplexed.js';

const strings = lazySchema(() => z.array(z.string()).nullish());

export const ExecConfigSchema = lazySchema(() =>
  z.object({
    Cmd: strings,
    Env: strings,
    WorkingDir: z.string().nullish(),
    User: z.string().nullish(),
    Tty: z.boolean().nullish(),
    AttachStdin: z.boolean().nullish(),
    AttachStdout: z.boolean().nullish(),
    AttachStderr: z.boolean().nullish(),
    Privileged: z.boolean().nullish(),
    DetachKeys: z.string().nullish(),
    ConsoleSize: z.array(z.number().int().nonnegative()).length(2).nullish(),
  }),
);

export const ExecStartSchema = lazySchema(() =>
  z.object({
    Detach: z.boolean().nullish(),
    Tty: z.boolean().nullish(),
    ConsoleSize: z.array(z.number().int().nonnegative()).length(2).nullish(),
  }),
);

export function execConfig(body: z.infer<typeof ExecConfigSchema>): ExecCreateConfig {
  return {
    Cmd: body.Cmd ?? [],
    Env: body.Env ?? [],
    WorkingDir: body.WorkingDir ?? '',
    User: body.User ?? '',
    Tty: body.Tty ?? false,
    AttachStdin: body.AttachStdin ?? false,
    AttachStdout: body.AttachStdout ?? false,
    AttachStderr: body.AttachStderr ?? false,
    Privileged: body.Privileged ?? false,
    DetachKeys: body.DetachKeys ?? '',
    ...(body.ConsoleSize ? { ConsoleSize: [body.ConsoleSize[0] ?? 0, body.ConsoleSize[1] ?? 0] } : {}),
  };
}

/** POST /containers/{id}/exec, POST /exec/{id}/resize, GET /exec/{id}/json. */
export function execRoutes(backend: ExecBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();
  r.post('/containers/:id/exec', async (c) => {
    const body = await readJsonBody(c, ExecConfigSchema);
    return c.json(await backend.create(c.req.param('id'), execConfig(body)), 201);
  });
  r.post('/exec/:id/resize', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    await backend.resize(c.req.param('id'), query.int('h', 0), query.int('w', 0));
    return c.body(null, 200);
  });
  r.get('/exec/:id/json', (c) => c.json(backend.inspect(c.req.param('id'))));
  return r;
}

/** POST /exec/{id}/start, hijacked: multiplexed frames without a tty, raw with one. */
export function registerExecHijackRoutes(router: HijackRouter, backend: ExecBackend): void {
  router.add('POST', '/exec/:id/start', (ctx) => startExec(ctx, backend));
}

async function startExec(ctx: HijackContext, backend: ExecBackend): Promise<void> {
  const text = ctx.body.toString('utf8').trim();
  const body = text ? parseJsonText(text, ExecStartSchema) : {};
  const detach = body.Detach ?? false;
  let out: { write(b: Buffer): void } | undefined;
  let tty = false;
  const session = backend.start(
    ctx.params.id ?? '',
    { detach, ...(body.Tty != null ? { tty: body.Tty } : {}) },
    {
      write: (which, data) => {
        out?.write(
          tty ? data : encodeFrame(which === 'stdout' ? StreamType.stdout : StreamType.stderr, data),
        );
      },
    },
  );
  // Docker answers a detached start with 200 and no body (an upgraded one just ends).
  if (detach) {
    if (ctx.upgrade) ctx.start(RAW_STREAM);
    return;
  }
  tty = session.tty;
  const conn = ctx.start(tty ? RAW_STREAM : MULTIPLEXED_STREAM);
  out = {
    write: (b) => {
      if (!conn.writableEnded && !conn.destroyed) conn.write(b);
    },
  };
  if (session.stdin) {
    conn.on('data', (chunk: Buffer) => session.writeStdin(chunk));
    conn.on('end', () => session.closeStdin());
    // Reading the request body may have paused the connection; a 'data' listener does not resume it.
    conn.resume();
  }
  const onAbort = () => session.detach();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  await Promise.race([
    session.done.catch(() => undefined),
    session.detached ?? new Promise<never>(() => undefined),
  ]);
  ctx.signal.removeEventListener('abort', onAbort);
}
