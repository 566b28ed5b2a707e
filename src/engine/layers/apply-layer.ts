import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Conflict, InvalidParameter, isRootlessdError } from '../../errdefs/index.js';
import { chainIdOf } from './chain-id.js';
import { applyLayerTar } from './extract/apply-tar.js';
import type { SnapshotInfo, Snapshotter } from './types.js';

/** Labels a committed layer carries (its metadata beside the chain id and parent). */
export const LAYER_LABELS = {
  diffId: 'rootlessd.layer.diff-id',
  size: 'rootlessd.layer.size',
  tarSize: 'rootlessd.layer.tar-size',
} as const;

/** The prefix of the temporary snapshots layers are extracted into (the sweep removes them). */
export const EXTRACT_KEY_PREFIX = 'extract-';

export interface AppliedLayer {
  chainId: string;
  diffId: string;
  /** Bytes of file content in the layer. */
  size: number;
  /** True when an identical layer was already stored (this one was discarded). */
  reused: boolean;
}

/** The committed layer with this chain id, if it is stored. */
export async function findLayer(
  snapshotter: Snapshotter,
  chainId: string,
): Promise<SnapshotInfo | undefined> {
  try {
    const info = await snapshotter.stat(chainId);
    return info.kind === 'committed' ? info : undefined;
  } catch (err) {
    if (isRootlessdError(err) && err.kind === 'NotFound') return undefined;
    throw err;
  }
}

/**
 * Extracts an uncompressed layer tar on top of `parent` (a chain id) into a temporary
 * snapshot and commits it under its chain id. A layer stored already (same chain id) is
 * kept once: the new copy is removed. On any failure nothing of the layer remains.
 */
export async function applyLayer(
  snapshotter: Snapshotter,
  tarStream: Readable,
  options: { parent?: string; expectedDiffId?: string; keepOwners?: boolean; signal?: AbortSignal } = {},
): Promise<AppliedLayer> {
  const key = `${EXTRACT_KEY_PREFIX}${randomBytes(12).toString('hex')}`;
  await snapshotter.prepare(key, options.parent);
  let committed = false;
  try {
    const dir = await snapshotter.writableDir(key);
    const result = await applyLayerTar(dir, tarStream, {
      whiteouts: snapshotter.whiteouts,
      keepOwners: options.keepOwners,
      signal: options.signal,
    });
    if (options.expectedDiffId && options.expectedDiffId !== result.diffId) {
      throw new InvalidParameter(
        `layer diff id mismatch: expected ${options.expectedDiffId}, got ${result.diffId}`,
      );
    }
    const chainId = chainIdOf(options.parent, result.diffId);
    const labels = {
      [LAYER_LABELS.diffId]: result.diffId,
      [LAYER_LABELS.size]: String(result.size),
      [LAYER_LABELS.tarSize]: String(result.tarSize),
    };
    try {
      await snapshotter.commit(chainId, key, labels);
      committed = true;
      return { chainId, diffId: result.diffId, size: result.size, reused: false };
    } catch (err) {
      if (!(err instanceof Conflict)) throw err;
      return { chainId, diffId: result.diffId, size: result.size, reused: true };
    }
  } finally {
    if (!committed) await snapshotter.remove(key).catch(() => undefined);
  }
}
