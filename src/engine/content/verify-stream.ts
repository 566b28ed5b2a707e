import { Transform, type TransformCallback } from 'node:stream';
import { type BlobDescriptor, checkDescriptor, Digester, digestHex, SizeMismatch } from './digest.js';

/**
 * A pass-through that hashes and counts what flows through it and fails the stream (with
 * DigestMismatch or SizeMismatch) at the end if it is not the expected blob, or as soon as
 * more bytes than the announced size arrive. Whoever consumes it must discard what it wrote
 * when the stream errors. With `hash: false` it only counts (SizeMismatch still applies):
 * for a source that checks the digest itself and errors instead of ending on a mismatch.
 */
export class VerifyingStream extends Transform {
  private readonly digester: Digester | undefined;
  private seen = 0;

  constructor(
    private readonly expected: BlobDescriptor,
    options: { hash?: boolean } = {},
  ) {
    super();
    digestHex(expected.digest);
    this.digester = options.hash === false ? undefined : new Digester();
  }

  get bytesSeen(): number {
    return this.seen;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.digester?.update(chunk);
    this.seen += chunk.length;
    if (this.expected.size !== undefined && this.seen > this.expected.size) {
      callback(new SizeMismatch(this.expected.digest, this.expected.size, this.seen));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.digester) checkDescriptor(this.expected, this.digester.digest(), this.seen);
      else if (this.expected.size !== undefined && this.seen !== this.expected.size)
        throw new SizeMismatch(this.expected.digest, this.expected.size, this.seen);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }
}
