import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NotFound } from '../errdefs/index.js';
import { CRUN } from './crun.js';
import { deleteThroughStatus, killThroughStatus, startThroughFifo } from './crun-state.js';
import { run } from './exec.js';

export const RUNC = '/usr/sbin/runc';
const TIMEOUT_MS = 30_000;

/** Where runc keeps its state (`--root`). */
export interface RuncContext {
  root: string;
  binary?: string;
}

function base(ctx: RuncContext): string[] {
  return ['--root', ctx.root];
}

export function runcBinary(ctx?: RuncContext): string {
  return ctx?.binary ?? RUNC;
}

/** crun, whose state folder the engine may act on directly (crun-state.ts). */
function isCrun(ctx: RuncContext): boolean {
  return ctx.binary === CRUN;
}

/** `runc start ID`: runs the process a `runc create` (through conmon) prepared. */
export async function runcStart(ctx: RuncContext, id: string, signal?: AbortSignal): Promise<void> {
  if (isCrun(ctx) && startThroughFifo(ctx.root, id)) return;
  await run(runcBinary(ctx), [...base(ctx), 'start', id], { timeoutMs: TIMEOUT_MS, signal });
}

/** What crun and runc say when the container's process is gone. */
const PROCESS_GONE = /no such process|container not running|process already finished/i;

/**
 * `runc kill [--all] ID SIGNAL` (signal as a number). A process that is already gone is a
 * NotFound (the runtimes word it in their own ways); other failures are the runtime's error.
 */
export async function runcKill(ctx: RuncContext, id: string, signal: number, all = false): Promise<void> {
  if (isCrun(ctx) && !all && killThroughStatus(ctx.root, id, signal)) return;
  try {
    await run(runcBinary(ctx), [...base(ctx), 'kill', ...(all ? ['--all'] : []), id, String(signal)], {
      timeoutMs: TIMEOUT_MS,
    });
  } catch (err) {
    if (PROCESS_GONE.test((err as Error).message))
      throw new NotFound(`process of ${id} is gone: ${(err as Error).message}`, { cause: err });
    throw err;
  }
}

/** `runc delete [--force] ID`. */
export async function runcDelete(ctx: RuncContext, id: string, force = false): Promise<void> {
  if (isCrun(ctx) && deleteThroughStatus(ctx.root, id)) return;
  await run(runcBinary(ctx), [...base(ctx), 'delete', ...(force ? ['--force'] : []), id], {
    timeoutMs: TIMEOUT_MS,
  });
}

/** True when runc keeps state for `id` under its root (`runc delete` has something to do). */
export function runcKnows(ctx: RuncContext, id: string): boolean {
  return existsSync(join(ctx.root, id));
}

export interface RuncState {
  id: string;
  pid: number;
  status: string;
}

/** `runc state ID`; undefined when runc does not know the container. */
export async function runcState(ctx: RuncContext, id: string): Promise<RuncState | undefined> {
  try {
    const { stdout } = await run(runcBinary(ctx), [...base(ctx), 'state', id], { timeoutMs: TIMEOUT_MS });
    const parsed = JSON.parse(stdout) as RuncState;
    return parsed;
  } catch {
    return undefined;
  }
}
