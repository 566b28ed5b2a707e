import { createHash } from 'node:crypto';

/**
 * The OCI chain id of a layer stack: the first layer's is its diff id; each next one is
 * sha256 of "PARENTCHAIN DIFFID". Identical stacks share one id, so one folder.
 */
export function chainIdOf(parentChainId: string | undefined, diffId: string): string {
  if (!parentChainId) return diffId;
  return `sha256:${createHash('sha256').update(`${parentChainId} ${diffId}`).digest('hex')}`;
}

export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  let parent: string | undefined;
  for (const diffId of diffIds) {
    parent = chainIdOf(parent, diffId);
    out.push(parent);
  }
  return out;
}
