import type { ImageContainerConfig } from '../images/image-config.js';
import type { BuildImage } from './build-ports.js';

/** The parts of a step's container config that decide a cache hit (Docker's compare). */
const KEYS = [
  'Cmd',
  'Entrypoint',
  'Env',
  'Labels',
  'ExposedPorts',
  'Volumes',
  'WorkingDir',
  'User',
  'Shell',
  'Healthcheck',
  'StopSignal',
  'OnBuild',
] as const;

function empty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function canonical(v: unknown): unknown {
  if (empty(v)) return null;
  if (Array.isArray(v)) return v;
  if (typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
    );
  return v;
}

/** Whether two step configs are the same step (empty and absent count alike). */
export function sameStepConfig(a: ImageContainerConfig, b: ImageContainerConfig): boolean {
  for (const k of KEYS) if (JSON.stringify(canonical(a[k])) !== JSON.stringify(canonical(b[k]))) return false;
  return true;
}

/**
 * The classic builder's layer cache: among the images whose parent is the current image,
 * the newest one whose `container_config` (the step's config, with the instruction in its
 * Cmd) matches. Intermediate images are the cache: nothing is kept beside them.
 */
export function findCachedStep(
  children: readonly BuildImage[],
  probe: ImageContainerConfig,
): BuildImage | undefined {
  let best: BuildImage | undefined;
  for (const c of children) {
    const cc = c.config.container_config;
    if (!cc || !sameStepConfig(cc, probe)) continue;
    if (!best || (c.config.created ?? '') > (best.config.created ?? '')) best = c;
  }
  return best;
}
