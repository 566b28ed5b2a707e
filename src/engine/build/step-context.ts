import type { ImageContainerConfig } from '../images/image-config.js';
import type { BuildArgs } from './build-args.js';
import { findCachedStep } from './build-cache.js';
import type { BuildHostOptions, BuildImage, BuildPorts } from './build-ports.js';
import { copyConfig, type StageState, stageShell, stageVars } from './build-state.js';

/** A stage that was built, for `FROM stage` and `COPY --from`. */
export interface BuiltStage {
  name?: string;
  imageId: string;
  image?: BuildImage;
}

/** What every step works with. */
export interface StepContext {
  ports: BuildPorts;
  args: BuildArgs;
  escape: string;
  /** The build context's folder. */
  contextRoot: string;
  noCache: boolean;
  pull: boolean;
  /** Remove intermediate containers after a successful step / always. */
  rm: boolean;
  forceRm: boolean;
  host: BuildHostOptions;
  /** The build's platform (`--platform`), the default for FROM. */
  platform?: string;
  stages: BuiltStage[];
  /** Writes a line of the build's output (`{"stream": …}`). */
  say(text: string): void;
  /** Passes another message on (pull progress). */
  emit(message: Record<string, unknown>): void;
  signal: AbortSignal;
}

export function vars(ctx: StepContext, s: StageState): Map<string, string> {
  return stageVars(s, ctx.args.predefined());
}

/** The config a metadata step is recorded with: the stage's, its Cmd naming the step. */
export function nopConfig(s: StageState, comment: string): ImageContainerConfig {
  return { ...copyConfig(s.config), Cmd: [...stageShell(s), `#(nop) ${comment}`] };
}

/** Moves the stage to a new image. */
export async function advance(ctx: StepContext, s: StageState, id: string): Promise<void> {
  s.imageId = id;
  s.image = await ctx.ports.resolveImage(id);
}

/** The classic builder's cache probe: a child of the current image with the same step config. */
export async function probeCache(
  ctx: StepContext,
  s: StageState,
  probe: ImageContainerConfig,
): Promise<boolean> {
  if (ctx.noCache) return false;
  // A child has one history entry more than its parent: images that only look like children
  // (pulled ones with no parent, for a scratch stage) are not taken.
  const depth = (s.image?.config.history?.length ?? 0) + 1;
  const children = (await ctx.ports.childImages(s.imageId)).filter(
    (c) => (c.config.history?.length ?? 0) === depth,
  );
  const hit = findCachedStep(children, probe);
  if (!hit) return false;
  ctx.say(' ---> Using cache\n');
  s.imageId = hit.id;
  s.image = hit;
  return true;
}

/** A metadata step (ENV, CMD, LABEL…): a new image without a layer, or the cached one. */
export async function commitNop(ctx: StepContext, s: StageState, comment: string): Promise<void> {
  const probe = nopConfig(s, comment);
  if (await probeCache(ctx, s, probe)) return;
  const id = await ctx.ports.commitEmpty({
    parentId: s.imageId,
    config: copyConfig(s.config),
    containerConfig: probe,
    ...(s.maintainer ? { author: s.maintainer } : {}),
    signal: ctx.signal,
  });
  await advance(ctx, s, id);
}

/**
 * A step that changes files: a container from the current image, `work` done in it, its
 * changes committed with `containerConfig`, the container removed as `rm`/`forcerm` say.
 * `announce` prints Docker's `Running in` / `Removed intermediate container` lines.
 */
export async function withStepContainer(
  ctx: StepContext,
  s: StageState,
  runConfig: ImageContainerConfig,
  containerConfig: ImageContainerConfig,
  work: (id: string) => Promise<void>,
  announce: boolean,
): Promise<void> {
  const id = await ctx.ports.createContainer(s.image, runConfig, ctx.host);
  if (announce) ctx.say(` ---> Running in ${id.slice(0, 12)}\n`);
  let ok = false;
  try {
    await work(id);
    const image = await ctx.ports.commitContainer(id, {
      parentId: s.imageId,
      config: copyConfig(s.config),
      containerConfig,
      ...(s.maintainer ? { author: s.maintainer } : {}),
      signal: ctx.signal,
    });
    ok = true;
    await advance(ctx, s, image);
  } finally {
    // A cancelled build removes its container, as Docker's does.
    if (ctx.forceRm || (ctx.rm && ok) || !announce || ctx.signal.aborted) {
      await ctx.ports.removeContainer(id).then(
        () => {
          if (announce) ctx.say(` ---> Removed intermediate container ${id.slice(0, 12)}\n`);
        },
        (err: unknown) =>
          ctx.say(`Error removing intermediate container ${id.slice(0, 12)}: ${String(err)}\n`),
      );
    }
  }
}
