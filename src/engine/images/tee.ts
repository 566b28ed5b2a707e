import { PassThrough, type Readable } from 'node:stream';

/** Buffered per branch before the source is paused: a few registry chunks. */
const BRANCH_HIGH_WATER_MARK = 1024 * 1024;

/**
 * Splits one stream into two that see the same bytes, at the pace of the slower reader (no
 * buffering beyond the branches' high-water marks). An error of the source reaches both;
 * a branch destroyed by its reader is skipped from then on, and the source is destroyed
 * when both are. Event-driven (data/drain), with no promise per chunk: a pull's layers flow
 * through here chunk by chunk.
 */
export function teeStream(source: Readable): [Readable, Readable] {
  const branches = [
    new PassThrough({ highWaterMark: BRANCH_HIGH_WATER_MARK }),
    new PassThrough({ highWaterMark: BRANCH_HIGH_WATER_MARK }),
  ] as const;
  const live = (b: PassThrough) => !b.destroyed && !b.writableEnded;
  /** Branches that asked to wait (write returned false) and have not drained since. */
  let blocked = 0;
  const unblock = () => {
    blocked--;
    if (blocked === 0 && !source.destroyed) source.resume();
  };
  for (const b of branches) {
    b.on('close', () => {
      if (!branches.some(live) && !source.readableEnded) source.destroy();
    });
  }
  source.on('data', (chunk: Buffer) => {
    for (const b of branches) {
      if (!live(b) || b.write(chunk)) continue;
      blocked++;
      const settle = () => {
        b.off('drain', settle);
        b.off('close', settle);
        unblock();
      };
      b.on('drain', settle);
      b.on('close', settle);
    }
    if (blocked > 0) source.pause();
  });
  source.on('end', () => {
    for (const b of branches) if (live(b)) b.end();
  });
  source.on('error', (err) => {
    for (const b of branches) if (!b.destroyed) b.destroy(err);
  });
  source.on('close', () => {
    if (source.readableEnded) return;
    const err = Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    for (const b of branches) if (!b.destroyed) b.destroy(err);
  });
  return [branches[0], branches[1]];
}
