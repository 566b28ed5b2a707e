import { readFile } from 'node:fs/promises';
import { Internal } from '../../errdefs/index.js';
import { capabilitySet } from './capabilities.js';
import { resolveUser } from './container-user.js';

/** What `POST /containers/{id}/exec` asks for, already validated. */
export interface ExecProcessRequest {
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  tty: boolean;
  privileged: boolean;
  consoleSize?: { height: number; width: number };
}

/** `KEY=value` lists merged: later keys replace earlier ones, order kept. */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...base, ...extra]) {
    const eq = e.indexOf('=');
    out.set(eq < 0 ? e : e.slice(0, eq), e);
  }
  return [...out.values()];
}

/**
 * The OCI process of an exec: the container's own process from its bundle (caps, env,
 * user, cwd, no_new_privileges, apparmor, rlimits) with the exec's args, env, user, cwd, tty.
 */
export async function execProcessSpec(
  bundleSpec: string,
  rootfs: string,
  req: ExecProcessRequest,
): Promise<Record<string, unknown>> {
  let spec: { process?: Record<string, unknown> };
  try {
    spec = JSON.parse(await readFile(bundleSpec, 'utf8')) as { process?: Record<string, unknown> };
  } catch (err) {
    throw new Internal(`cannot read the container's runtime spec: ${(err as Error).message}`, { cause: err });
  }
  const base = spec.process ?? {};
  const process: Record<string, unknown> = { ...base };
  process.args = req.cmd;
  process.terminal = req.tty;
  if (req.tty && req.consoleSize) process.consoleSize = req.consoleSize;
  else delete process.consoleSize;
  let env = Array.isArray(base.env) ? (base.env as string[]) : [];
  // Docker gives an exec with a tty TERM=xterm, as it does a container with one.
  if (req.tty && !env.some((e) => e.startsWith('TERM='))) env = [...env, 'TERM=xterm'];
  if (req.user) {
    const user = await resolveUser(rootfs, req.user);
    process.user = {
      uid: user.uid,
      gid: user.gid,
      ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}),
    };
    env = mergeEnv(env, [`HOME=${user.home}`]);
  }
  process.env = mergeEnv(env, req.env);
  if (req.workingDir) process.cwd = req.workingDir;
  if (req.privileged) {
    const caps = capabilitySet({ privileged: true });
    process.capabilities = { bounding: caps, effective: caps, permitted: caps };
  }
  return process;
}
