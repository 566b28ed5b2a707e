import type { Readable } from 'node:stream';
import type { BuildQuery } from '../../api/routes/build.js';
import { InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { MessageQueue } from '../images/progress.js';
import {
  familiarString,
  normalizedString,
  parseNormalizedNamed,
  withDefaultTag,
} from '../images/reference.js';
import { BuildArgs } from './build-args.js';
import { openBuildContext } from './build-context.js';
import type { BuildPorts } from './build-ports.js';
import type { StageState } from './build-state.js';
import { configStep } from './config-steps.js';
import { type Instruction, parseDockerfile, parseError } from './dockerfile-parser.js';
import { copyStep, workdirStep } from './file-steps.js';
import { fromStep } from './from-step.js';
import { isRunFailed, runStep } from './run-step.js';
import type { StepContext } from './step-context.js';
import { expandWord, splitRawWords } from './variables.js';

const log = moduleLogger('build');

/** One message of the build's JSON stream. */
export type BuildMessage = Record<string, unknown>;

interface Stage {
  from: Instruction;
  steps: Instruction[];
}

/** The Dockerfile split into its global ARGs and its stages, cut at the target stage. */
export function planStages(
  instructions: readonly Instruction[],
  target: string | undefined,
  name: string,
): { meta: Instruction[]; stages: Stage[] } {
  const meta: Instruction[] = [];
  const stages: Stage[] = [];
  if (instructions.length === 0) throw new InvalidParameter(`the Dockerfile (${name}) cannot be empty`);
  for (const ins of instructions) {
    if (ins.cmd === 'from') stages.push({ from: ins, steps: [] });
    else if (stages.length > 0) (stages.at(-1) as Stage).steps.push(ins);
    else if (ins.cmd === 'arg') meta.push(ins);
    else throw parseError(ins.line, 'no build stage in current context');
  }
  if (stages.length === 0) throw new InvalidParameter('No image was generated. Is your Dockerfile empty?');
  if (target) {
    const i = stages.findIndex((s) => {
      const w = splitRawWords(s.from.rest);
      return w.length === 3 && w[2]?.toLowerCase() === target.toLowerCase();
    });
    if (i < 0) throw new InvalidParameter(`failed to reach build target ${target} in Dockerfile`);
    stages.length = i + 1;
  }
  return { meta, stages };
}

/** `name[:tag]` as the image store keys it (`docker.io/library/x:latest`); a digest is refused. */
export function buildTag(tag: string): string {
  const ref = parseNormalizedNamed(tag);
  if (ref.digest !== undefined) throw new InvalidParameter(`invalid reference format: ${tag} has a digest`);
  return normalizedString(withDefaultTag(ref));
}

function errorMessage(err: unknown): BuildMessage {
  const message = err instanceof Error ? err.message : String(err);
  return {
    errorDetail: { ...(isRunFailed(err) ? { code: err.code } : {}), message },
    error: message,
  };
}

/**
 * Docker's classic builder: POST /build's context tar extracted, the Dockerfile parsed, each
 * stage's steps run in order (RUN in a container, COPY/ADD/WORKDIR into a container's root,
 * metadata as images without layers), each step's image the cache of the next build, the
 * result tagged. The output is the classic builder's JSON stream.
 */
export class BuildService {
  constructor(private readonly ports: BuildPorts) {}

  /**
   * Reads the context and parses the Dockerfile now (a failure is the request's error),
   * then runs the build while its messages are read.
   */
  async build(body: Readable, req: BuildQuery, signal: AbortSignal): Promise<AsyncIterable<BuildMessage>> {
    const tags = req.tags.map(buildTag);
    const context = await openBuildContext(body, { tmpDir: this.ports.tmpDir, dockerfile: req.dockerfile });
    let plan: ReturnType<typeof planStages>;
    let esc: string;
    try {
      const parsed = parseDockerfile(context.dockerfile);
      esc = parsed.escape;
      plan = planStages(parsed.instructions, req.target, req.dockerfile || 'Dockerfile');
      const labels = Object.entries(req.labels).sort(([a], [b]) => a.localeCompare(b));
      if (labels.length > 0) {
        const rest = labels.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ');
        (plan.stages.at(-1) as Stage).steps.push({
          cmd: 'label',
          rest,
          flags: {},
          line: 0,
          original: `LABEL ${rest}`,
        });
      }
    } catch (err) {
      await context.close();
      throw err;
    }
    const queue = new MessageQueue<BuildMessage>();
    const buffered: string[] = [];
    const say = (text: string) => {
      if (req.quiet) buffered.push(text);
      else queue.push({ stream: text });
    };
    const ctx: StepContext = {
      ports: this.ports,
      args: new BuildArgs(req.buildArgs),
      escape: esc,
      contextRoot: context.root,
      noCache: req.noCache,
      pull: req.pull,
      rm: req.rm,
      forceRm: req.forceRm,
      host: req.host,
      ...(req.platform ? { platform: req.platform } : {}),
      stages: [],
      say,
      emit: (m) => {
        if (!req.quiet) queue.push(m);
      },
      signal,
    };
    void this.run(ctx, plan, tags, queue, req.quiet)
      .catch((err: unknown) => {
        log.debug({ err }, 'build failed');
        if (req.quiet && buffered.length > 0) queue.push({ stream: buffered.join('') });
        queue.push(errorMessage(err));
      })
      .finally(() => {
        queue.end();
        void context.close();
      });
    return queue;
  }

  private async run(
    ctx: StepContext,
    plan: { meta: Instruction[]; stages: Stage[] },
    tags: string[],
    queue: MessageQueue<BuildMessage>,
    quiet: boolean,
  ): Promise<void> {
    const total = plan.meta.length + plan.stages.reduce((n, s) => n + 1 + s.steps.length, 0);
    let n = 1;
    const step = (ins: Instruction) => ctx.say(`Step ${n++}/${total} : ${ins.original}\n`);
    for (const ins of plan.meta) {
      step(ins);
      for (const w of splitRawWords(ins.rest, ctx.escape)) {
        const i = w.indexOf('=');
        const fallback = i < 0 ? undefined : expandWord(w.slice(i + 1), ctx.args.metaVars(), ctx.escape);
        ctx.args.declareMeta(i < 0 ? w : w.slice(0, i), fallback);
      }
    }
    let state: StageState | undefined;
    for (const stage of plan.stages) {
      ctx.signal.throwIfAborted();
      step(stage.from);
      const { state: s, triggers } = await fromStep(ctx, stage.from);
      state = s;
      if (triggers.length > 0) {
        ctx.say(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}\n`);
        for (const t of triggers) await this.dispatch(ctx, s, t);
      }
      ctx.say(` ---> ${s.imageId.replace(/^sha256:/, '').slice(0, 12)}\n`);
      for (const ins of stage.steps) {
        ctx.signal.throwIfAborted();
        step(ins);
        await this.dispatch(ctx, s, ins);
        ctx.say(` ---> ${s.imageId.replace(/^sha256:/, '').slice(0, 12)}\n`);
      }
      if (s.imageId) queue.push({ aux: { ID: s.imageId } });
      ctx.stages.push({
        ...(s.name ? { name: s.name } : {}),
        imageId: s.imageId,
        ...(s.image ? { image: s.image } : {}),
      });
    }
    const unused = ctx.args.unused();
    if (unused.length > 0)
      ctx.say(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    const id = state?.imageId ?? '';
    if (!id) throw new InvalidParameter('No image was generated. Is your Dockerfile empty?');
    ctx.say(`Successfully built ${id.replace(/^sha256:/, '').slice(0, 12)}\n`);
    for (const t of tags) {
      await this.ports.tagImage(id, t);
      ctx.say(`Successfully tagged ${familiarString(parseNormalizedNamed(t))}\n`);
    }
    if (quiet) queue.push({ stream: `${id}\n` });
  }

  private async dispatch(ctx: StepContext, s: StageState, ins: Instruction): Promise<void> {
    switch (ins.cmd) {
      case 'from':
        throw parseError(ins.line, 'FROM is not allowed here');
      case 'run':
        return runStep(ctx, s, ins);
      case 'copy':
      case 'add':
        return copyStep(ctx, s, ins);
      case 'workdir':
        return workdirStep(ctx, s, ins);
      default:
        return configStep(ctx, s, ins);
    }
  }
}
