import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';

/**
 * Splits one stream into two that see the same bytes, at the pace of the slower reader (no
 * buffering beyond the streams' high-water marks). An error of the source reaches both;
 * a branch destroyed by its reader is skipped from then on.
 */
export function teeStream(source: Readable): [Readable, Readable] {
  const branches = [new PassThrough(), new PassThrough()] as const;
  const live = () => branches.filter((b) => !b.destroyed && !b.writableEnded);
  (async () => {
    try {
      for await (const chunk of source) {
        const targets = live();
        if (targets.length === 0) {
          source.destroy();
          return;
        }
        const waits: Promise<unknown>[] = [];
        for (const b of targets) {
          if (!b.write(chunk)) waits.push(Promise.race([once(b, 'drain'), once(b, 'close')]));
        }
        if (waits.length) await Promise.all(waits);
      }
      for (const b of live()) b.end();
    } catch (err) {
      for (const b of branches) if (!b.destroyed) b.destroy(err as Error);
    }
  })();
  return [branches[0], branches[1]];
}
