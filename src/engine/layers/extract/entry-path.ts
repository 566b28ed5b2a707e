import { InvalidParameter } from '../../../errdefs/index.js';

/** A layer entry that would land outside the layer, or through a link: the pull fails. */
export class LayerEntryRefused extends InvalidParameter {
  constructor(
    readonly entry: string,
    reason: string,
  ) {
    super(`refusing layer entry ${JSON.stringify(entry)}: ${reason}`, {
      hint: 'the image layer is malformed or hostile; nothing was written outside the layer',
    });
  }
}

/**
 * The path components of a tar entry name, relative to the layer root: leading slashes and
 * `.` are dropped (as tar does); any `..` component is refused outright.
 */
export function entryComponents(name: string): string[] {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new LayerEntryRefused(name, 'it contains a ".." component');
  if (parts.some((p) => p.includes('\0'))) throw new LayerEntryRefused(name, 'it contains a NUL byte');
  return parts;
}
