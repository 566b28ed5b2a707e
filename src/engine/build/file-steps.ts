import { posix } from 'node:path';
import { InvalidParameter } from '../../errdefs/index.js';
import { resolveUser } from '../containers/container-user.js';
import type { BuildImage } from './build-ports.js';
import { copyConfig, type StageState } from './build-state.js';
import { copyInto, mkdirInRoot } from './copy-into.js';
import { type CopySource, resolveSources, sourcesChecksum } from './copy-sources.js';
import type { Instruction } from './dockerfile-parser.js';
import { baseImage } from './from-step.js';
import { nopConfig, probeCache, type StepContext, vars, withStepContainer } from './step-context.js';
import { expandWord, expandWords } from './variables.js';

const BUILDKIT_FLAGS = new Set(['chmod', 'link', 'parents', 'exclude', 'keep-git-dir', 'checksum']);

/** A container path made absolute against the working directory; a trailing `/` kept. */
export function absoluteIn(workdir: string | undefined, path: string): string {
  if (path.startsWith('/')) return path;
  const joined = posix.join(workdir || '/', path);
  return path.endsWith('/') || path === '.' ? `${joined.replace(/\/$/, '')}/` : joined;
}

/** The image whose files `--from` names: a stage (by name or index) or an image. */
async function fromSource(ctx: StepContext, from: string): Promise<BuildImage | undefined> {
  const lower = from.toLowerCase();
  const stage =
    ctx.stages.find((st) => st.name === lower) ?? (/^\d+$/.test(from) ? ctx.stages[Number(from)] : undefined);
  if (stage) return stage.image;
  if (/^\d+$/.test(from))
    throw new InvalidParameter(`invalid from flag value ${from}: refers to current build stage`);
  return baseImage(ctx, from, undefined);
}

/**
 * COPY and ADD: sources from the context (or `--from` a stage or image), globs and folders,
 * `--chown`; ADD also extracts local tar archives and refuses URLs (a build has no network to
 * the outside here). Cached on a checksum of the sources' names, modes and contents.
 */
export async function copyStep(ctx: StepContext, s: StageState, ins: Instruction): Promise<void> {
  const what = ins.cmd.toUpperCase();
  for (const flag of Object.keys(ins.flags)) {
    if (BUILDKIT_FLAGS.has(flag)) throw new InvalidParameter(`the --${flag} option requires BuildKit`);
    if (flag !== 'chown' && !(flag === 'from' && ins.cmd === 'copy'))
      throw new InvalidParameter(`Unknown flag: ${flag}`);
  }
  const v = vars(ctx, s);
  const words = ins.json
    ? ins.json.map((w) => expandWord(w, v, ctx.escape))
    : expandWords(ins.rest, v, ctx.escape);
  if (words.length < 2) throw new InvalidParameter(`${what} requires at least two arguments`);
  const dest = absoluteIn(s.config.WorkingDir, words.at(-1) as string);
  const patterns = words.slice(0, -1);
  if (ins.cmd === 'add') {
    const url = patterns.find((p) => /^[a-z][a-z0-9+.-]*:\/\//i.test(p) || p.startsWith('git@'));
    if (url)
      throw new InvalidParameter(
        `ADD ${url}: rootlessd's builder does not download URLs; download it in a RUN step, or put it in the build context`,
      );
  }
  const chown = typeof ins.flags.chown === 'string' ? expandWord(ins.flags.chown, v, ctx.escape) : undefined;
  const from = typeof ins.flags.from === 'string' ? expandWord(ins.flags.from, v, ctx.escape) : undefined;
  if (ins.flags.from === true || ins.flags.chown === true)
    throw new InvalidParameter(`${what}: a flag needs a value (--flag=value)`);

  const withSources = async <T>(fn: (sources: CopySource[]) => Promise<T>): Promise<T> => {
    if (from === undefined) return fn(await resolveSources(ctx.contextRoot, patterns, what));
    const image = await fromSource(ctx, from);
    const src = await ctx.ports.createContainer(image, copyConfig(image?.config.config), ctx.host);
    try {
      return await ctx.ports.withContainerRoot(src, async (root) =>
        fn(await resolveSources(root, patterns, what)),
      );
    } finally {
      await ctx.ports.removeContainer(src).catch(() => undefined);
    }
  };

  await withSources(async (sources) => {
    const sum = await sourcesChecksum(sources);
    const comment = `${what} ${chown ? `--chown=${chown} ` : ''}${sum} in ${dest} `;
    await changeFiles(
      ctx,
      s,
      comment,
      async (root) => {
        const [u, g] = chown ? chown.split(':', 2) : [];
        const owner = chown ? await resolveUser(root, `${u}:${g ?? u}`) : { uid: 0, gid: 0 };
        await copyInto(sources, { root, dest, owner, extractArchives: ins.cmd === 'add', what });
      },
      false,
    );
  });
}

/**
 * A step that changes the image's files (COPY, ADD, WORKDIR): its `#(nop)` config is the cache
 * key; on a miss, `change` runs on a step container's root, which is then committed.
 */
async function changeFiles(
  ctx: StepContext,
  s: StageState,
  comment: string,
  change: (root: string) => Promise<void>,
  announce: boolean,
): Promise<void> {
  const probe = nopConfig(s, comment);
  if (await probeCache(ctx, s, probe)) return;
  await withStepContainer(ctx, s, probe, probe, (id) => ctx.ports.withContainerRoot(id, change), announce);
}

/** WORKDIR: the folder made absolute, created in the image (root-owned, as Docker does). */
export async function workdirStep(ctx: StepContext, s: StageState, ins: Instruction): Promise<void> {
  const dir = expandWord(ins.rest, vars(ctx, s), ctx.escape);
  if (!dir) throw new InvalidParameter('WORKDIR requires exactly one argument');
  const abs = absoluteIn(s.config.WorkingDir, dir).replace(/(.)\/$/, '$1');
  s.config.WorkingDir = abs;
  await changeFiles(
    ctx,
    s,
    `WORKDIR ${abs}`,
    async (root) => {
      await mkdirInRoot(root, abs, { uid: 0, gid: 0 });
    },
    true,
  );
}
