import { InvalidParameter, isRootlessdError } from '../../errdefs/index.js';
import { checkPlatform } from '../containers/create-container.js';
import { formatPlatform, hostPlatform } from '../registry/manifest.js';
import type { BuildImage } from './build-ports.js';
import { copyConfig, type StageState } from './build-state.js';
import { type Instruction, parseDockerfile } from './dockerfile-parser.js';
import type { StepContext } from './step-context.js';
import { expandWord, splitRawWords } from './variables.js';

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/**
 * The image a FROM (or `COPY --from`) names: undefined for `scratch`; a local image, pulled
 * first when it is missing or the build asked to pull; of the platform asked for.
 */
export async function baseImage(
  ctx: StepContext,
  ref: string,
  platform: string | undefined,
): Promise<BuildImage | undefined> {
  if (ref.toLowerCase() === 'scratch') return undefined;
  const check = (image: BuildImage) => {
    if (platform)
      checkPlatform(ref, { id: image.id, config: image.config as Record<string, unknown> }, platform);
    return image;
  };
  if (!ctx.pull) {
    try {
      return check(await ctx.ports.resolveImage(ref));
    } catch (err) {
      if (!(isRootlessdError(err) && err.kind === 'NotFound')) throw err;
    }
  }
  for await (const m of await ctx.ports.pullImage(ref, platform, ctx.signal))
    ctx.emit(m as Record<string, unknown>);
  return check(await ctx.ports.resolveImage(ref));
}

/** `FROM [--platform=…] image [AS name]` split into its parts (substituted with the global args). */
export function fromParts(ins: Instruction, metaVars: ReadonlyMap<string, string>, esc: string) {
  for (const flag of Object.keys(ins.flags))
    if (flag !== 'platform') throw new InvalidParameter(`Unknown flag: ${flag}`);
  const words = splitRawWords(ins.rest, esc);
  if (words.length !== 1 && !(words.length === 3 && words[1]?.toLowerCase() === 'as'))
    throw new InvalidParameter('FROM requires either one or three arguments');
  const image = expandWord(words[0] as string, metaVars, esc);
  if (!image) throw new InvalidParameter(`base name (${words[0]}) should not be blank`);
  const name = words[2]?.toLowerCase();
  if (name !== undefined && !STAGE_NAME.test(name))
    throw new InvalidParameter(
      `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`,
    );
  const platform =
    typeof ins.flags.platform === 'string' ? expandWord(ins.flags.platform, metaVars, esc) : undefined;
  return { image, ...(name ? { name } : {}), ...(platform ? { platform } : {}) };
}

/**
 * FROM: a new stage on a previous stage's image, an image (pulled when missing) or nothing
 * (`scratch`). Its ONBUILD triggers are returned to run before the stage's own steps.
 */
export async function fromStep(
  ctx: StepContext,
  ins: Instruction,
): Promise<{ state: StageState; triggers: Instruction[] }> {
  const { image: ref, name, platform } = fromParts(ins, ctx.args.metaVars(), ctx.escape);
  const stage = ctx.stages.find((st) => st.name !== undefined && st.name === ref.toLowerCase());
  const image = stage ? stage.image : await baseImage(ctx, ref, platform ?? ctx.platform);
  const state: StageState = {
    ...(name ? { name } : {}),
    imageId: image?.id ?? '',
    ...(image ? { image } : {}),
    config: copyConfig(image?.config.config),
    args: new Map(),
    cmdSet: false,
    platform: platform ?? ctx.platform ?? formatPlatform(hostPlatform()),
  };
  const triggers = (state.config.OnBuild ?? []).map((t) => {
    const parsed = parseDockerfile(t).instructions[0];
    if (!parsed) throw new InvalidParameter(`invalid ONBUILD trigger: ${t}`);
    return parsed;
  });
  // Triggers run in this stage only; its images do not pass them on.
  state.config.OnBuild = null;
  return { state, triggers };
}
