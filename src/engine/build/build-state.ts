import type { ImageContainerConfig } from '../images/image-config.js';
import type { BuildImage } from './build-ports.js';
import { envMap } from './variables.js';

/** The default shell of Linux images. */
export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** One stage being built: its current image and the config its next image gets. */
export interface StageState {
  /** `AS name`, lower-cased. */
  name?: string;
  /** The current image ('' before the first layer of a `FROM scratch` stage). */
  imageId: string;
  /** The current image itself (undefined for scratch). */
  image?: BuildImage;
  /** The config the stage's images get. */
  config: ImageContainerConfig;
  /** ARGs declared in the stage with their values (undefined: declared without a value). */
  args: Map<string, string | undefined>;
  /** CMD was set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  maintainer?: string;
  /** os/architecture of the base (for scratch, the host's). */
  platform?: string;
}

export function stageShell(s: StageState): string[] {
  return s.config.Shell && s.config.Shell.length > 0 ? s.config.Shell : DEFAULT_SHELL;
}

/** Variables for substitution: the stage's args, ENV taking precedence. */
export function stageVars(s: StageState, predefined: ReadonlyMap<string, string>): Map<string, string> {
  const m = new Map<string, string>(predefined);
  for (const [k, v] of s.args) if (v !== undefined) m.set(k, v);
  for (const [k, v] of envMap(s.config.Env)) m.set(k, v);
  return m;
}

/** Sets `name=value` in an env list, in place of an earlier entry of that name. */
export function setEnv(env: readonly string[] | null | undefined, name: string, value: string): string[] {
  const out = [...(env ?? [])];
  const i = out.findIndex((e) => e === name || e.startsWith(`${name}=`));
  if (i >= 0) out[i] = `${name}=${value}`;
  else out.push(`${name}=${value}`);
  return out;
}

/**
 * The declared args RUN sees as environment (those ENV does not set), sorted: Docker puts
 * them before the command in the cache key and history (`|2 A=1 B=2 /bin/sh -c …`).
 */
export function runArgs(s: StageState): string[] {
  const env = envMap(s.config.Env);
  const out: string[] = [];
  for (const [k, v] of s.args) if (v !== undefined && !env.has(k)) out.push(`${k}=${v}`);
  return out.sort();
}

/** Go's %q of a string list (`["sh" "-c" "x"]`), as the classic builder writes its history. */
export function goQuoted(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** A deep copy of a config (the steps never change an image's config in place). */
export function copyConfig(c: ImageContainerConfig | undefined): ImageContainerConfig {
  return structuredClone(c ?? {});
}
