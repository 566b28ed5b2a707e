import type { ImageContainerConfig } from '../images/image-config.js';
import { applyChanges } from '../images/import-changes.js';

type Config = ImageContainerConfig;

const keyOf = (env: string) => env.split('=')[0];

/**
 * Docker's `merge` for commit: what the user's config (the request body, or the container's
 * own config) leaves empty is taken from the container's config.
 */
export function mergeCommitConfig(user: Config, container: Config): Config {
  const c: Config = structuredClone(user);
  if (!c.User) c.User = container.User ?? '';
  if (!c.ExposedPorts || Object.keys(c.ExposedPorts).length === 0) c.ExposedPorts = container.ExposedPorts;
  else c.ExposedPorts = { ...(container.ExposedPorts ?? {}), ...c.ExposedPorts };
  if (!c.Env || c.Env.length === 0) c.Env = container.Env;
  else {
    const env = [...c.Env];
    for (const e of container.Env ?? []) if (!env.some((u) => keyOf(u) === keyOf(e))) env.push(e);
    c.Env = env;
  }
  c.Labels = { ...(container.Labels ?? {}), ...(c.Labels ?? {}) };
  if (!c.Entrypoint || c.Entrypoint.length === 0) {
    if (!c.Cmd || c.Cmd.length === 0) {
      c.Cmd = container.Cmd;
      if (container.Shell) c.Shell = container.Shell;
    }
    if (c.Entrypoint == null) c.Entrypoint = container.Entrypoint;
  }
  if (container.Healthcheck) {
    if (!c.Healthcheck) c.Healthcheck = container.Healthcheck;
    else {
      const h = { ...c.Healthcheck };
      for (const [k, v] of Object.entries(container.Healthcheck))
        if (h[k] === undefined || h[k] === 0 || (Array.isArray(h[k]) && h[k].length === 0)) h[k] = v;
      c.Healthcheck = h;
    }
  }
  if (!c.WorkingDir) c.WorkingDir = container.WorkingDir ?? '';
  if (!c.Volumes || Object.keys(c.Volumes).length === 0) c.Volumes = container.Volumes;
  else c.Volumes = { ...c.Volumes, ...(container.Volumes ?? {}) };
  if (!c.StopSignal && container.StopSignal) c.StopSignal = container.StopSignal;
  return c;
}

/**
 * The config of a committed image, as Docker builds it: the request's config (or the
 * container's when none was sent), the `changes` Dockerfile instructions applied, then
 * merged with the container's config. A bad instruction is a 400 with Docker's message.
 */
export function commitImageConfig(
  container: Config,
  requested: Config | undefined,
  changes: readonly string[],
): Config {
  const changed = applyChanges(requested ?? container, changes);
  return mergeCommitConfig(changed, container);
}
