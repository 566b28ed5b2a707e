import { join } from 'node:path';
import { CRUN, prepareCrun } from '../../drivers/crun.js';
import { RUNC, type RuncContext, runcKnows } from '../../drivers/runc.js';
import { moduleLogger } from '../../log/index.js';
import type { ContainersLayout } from './paths.js';

const log = moduleLogger('containers.runtime');

export type RuntimeName = 'runc' | 'crun';

/** The OCI runtime new containers get: runc unless crun is found and usable. */
let preferred: RuntimeName = 'runc';

export function preferredRuntime(): RuntimeName {
  return preferred;
}

/**
 * Picks the runtime at engine start: `ROOTLESSD_RUNTIME=runc|crun` forces one; otherwise
 * crun when it is installed and usable here (about 3× faster to create and start than runc).
 */
export async function chooseRuntime(): Promise<RuntimeName> {
  const wanted = process.env.ROOTLESSD_RUNTIME;
  if (wanted === 'runc') preferred = 'runc';
  else preferred = (await prepareCrun()) ? 'crun' : 'runc';
  if (wanted === 'crun' && preferred !== 'crun') log.warn('crun was asked for but is not usable; using runc');
  log.info({ runtime: preferred }, 'oci runtime');
  return preferred;
}

/** The runtimes a container may name (`--runtime`): runc, and crun when it is usable. */
export function availableRuntimes(): RuntimeName[] {
  return preferred === 'crun' ? ['runc', 'crun'] : ['runc'];
}

function contextFor(layout: ContainersLayout, name: RuntimeName): RuncContext {
  return { root: join(layout.runtimeBase, name), binary: name === 'crun' ? CRUN : RUNC };
}

/**
 * Where a container is created: the runtime its HostConfig names (checked at create), else the
 * preferred one, with that runtime's own state root.
 */
export function newRuntime(layout: ContainersLayout, named?: string | null): RuncContext {
  const name =
    named && availableRuntimes().includes(named as RuntimeName) ? (named as RuntimeName) : preferred;
  return contextFor(layout, name);
}

/**
 * The runtime that holds `id` (each runtime keeps its state under its own root, so a
 * container keeps the runtime it was created with across engine restarts); the preferred
 * one when neither knows it.
 */
export function runtimeOf(layout: ContainersLayout, id: string): RuncContext {
  for (const name of ['runc', 'crun'] as const) {
    const ctx = contextFor(layout, name);
    if (runcKnows(ctx, id)) return ctx;
  }
  return newRuntime(layout);
}
