import { StringDecoder } from 'node:string_decoder';
import { InvalidParameter } from '../../errdefs/index.js';
import { copyConfig, runArgs, type StageState, stageShell } from './build-state.js';
import type { Instruction } from './dockerfile-parser.js';
import { probeCache, type StepContext, withStepContainer } from './step-context.js';

/** A RUN whose command failed: Docker's message, and its exit code for the client. */
export class RunFailed extends InvalidParameter {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export function isRunFailed(err: unknown): err is RunFailed {
  return err instanceof RunFailed;
}

/**
 * RUN: the command in a container from the current image (the stage's config, the declared
 * args as environment, no entrypoint, no health check), its output streamed, its changes
 * committed. The cache key is the command with the args before it (`|1 A=1 /bin/sh -c …`).
 */
export async function runStep(ctx: StepContext, s: StageState, ins: Instruction): Promise<void> {
  if (Object.keys(ins.flags).length > 0)
    throw new InvalidParameter(
      `the --${Object.keys(ins.flags)[0]} option requires BuildKit: the classic builder does not support it`,
    );
  if (!ins.json && ins.rest === '') throw new InvalidParameter('RUN requires at least one argument');
  const cmd = ins.json ?? [...stageShell(s), ins.rest];
  const args = runArgs(s);
  const saveCmd = args.length > 0 ? [`|${args.length}`, ...args, ...cmd] : cmd;
  const probe = { ...copyConfig(s.config), Cmd: saveCmd, Entrypoint: null };
  if (await probeCache(ctx, s, probe)) return;
  const proxies = [...ctx.args.predefined()].filter(([k]) => !s.args.has(k)).map(([k, v]) => `${k}=${v}`);
  const runConfig = {
    ...copyConfig(s.config),
    Cmd: cmd,
    Env: [...(s.config.Env ?? []), ...args, ...proxies],
    Entrypoint: [''],
    Healthcheck: { Test: ['NONE'] },
  };
  await withStepContainer(
    ctx,
    s,
    runConfig,
    probe,
    async (id) => {
      // One decoder per stream: a character split across two chunks is not mangled.
      const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
      const code = await ctx.ports.runContainer(
        id,
        (stream, data) => {
          const text = decoders[stream].write(data);
          if (text) ctx.say(text);
        },
        ctx.signal,
      );
      const rest = decoders.stdout.end() + decoders.stderr.end();
      if (rest) ctx.say(rest);
      if (code !== 0)
        throw new RunFailed(`The command '${cmd.join(' ')}' returned a non-zero code: ${code}`, code);
    },
    true,
  );
}
