import { Transform, type TransformCallback } from 'node:stream';
import { type BlobDescriptor, checkDescriptor, Digester, digestHex, SizeMismatch } from './digest.js';

/**
 * A pass-through that hashes and counts what flows through it and fails the stream (with
 * DigestMismatch or SizeMismatch) at the end if it is not the expected blob, or as soon as
 * more bytes than the announced size arrive. Whoever consumes it must discard what it wrote
 * when the stream errors.
 */
export class VerifyingStream extends Transform {
  private readonly digester = new Digester();

  constructor(private readonly expected: BlobDescriptor) {
    super();
    digestHex(expected.digest);
  }

  get bytesSeen(): number {
    return this.digester.size;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.digester.update(chunk);
    if (this.expected.size !== undefined && this.digester.size > this.expected.size) {
      callback(new SizeMismatch(this.expected.digest, this.expected.size, this.digester.size));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      checkDescriptor(this.expected, this.digester.digest(), this.digester.size);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }
}
