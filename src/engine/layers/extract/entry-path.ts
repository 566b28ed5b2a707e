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
  // One pass, no intermediate arrays: this runs for every entry of every layer.
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length && name.charCodeAt(i) !== 0x2f) continue;
    if (i > start) {
      const part = name.slice(start, i);
      if (part === '..') throw new LayerEntryRefused(name, 'it contains a ".." component');
      if (part !== '.') parts.push(part);
    }
    start = i + 1;
  }
  if (name.includes('\0')) throw new LayerEntryRefused(name, 'it contains a NUL byte');
  return parts;
}
