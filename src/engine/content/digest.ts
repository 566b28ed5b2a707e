import { createHash, type Hash } from 'node:crypto';
import { InvalidParameter } from '../../errdefs/index.js';

/** A content digest; only sha256 is stored. */
export type Digest = `sha256:${string}`;

/** What a blob is expected to be: its digest and, when known, its size in bytes. */
export interface BlobDescriptor {
  digest: string;
  size?: number;
}

/** The digest's algorithm is not one we store. */
export class UnsupportedDigest extends InvalidParameter {
  constructor(readonly digest: string) {
    super(`unsupported digest algorithm in ${JSON.stringify(digest)}: only sha256 is supported`);
  }
}

/** The digest string is not `sha256:` followed by 64 lowercase hex digits. */
export class InvalidDigest extends InvalidParameter {
  constructor(readonly digest: string) {
    super(`invalid digest ${JSON.stringify(digest)}: expected sha256: followed by 64 lowercase hex digits`);
  }
}

/** The bytes read do not hash to the digest they were fetched under. */
export class DigestMismatch extends InvalidParameter {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`digest mismatch for ${expected}: content hashes to ${actual}`);
  }
}

/** More or fewer bytes arrived than the descriptor announced. */
export class SizeMismatch extends InvalidParameter {
  constructor(
    readonly digest: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`size mismatch for ${digest}: expected ${expected} bytes, got ${actual}`);
  }
}

/** Checks a digest and returns its hex part; throws UnsupportedDigest / InvalidDigest. */
export function digestHex(digest: string): string {
  const i = digest.indexOf(':');
  if (i <= 0) throw new InvalidDigest(digest);
  const algorithm = digest.slice(0, i);
  if (algorithm !== 'sha256') {
    if (/^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/.test(algorithm))
      throw new UnsupportedDigest(digest);
    throw new InvalidDigest(digest);
  }
  const hex = digest.slice(i + 1);
  if (!/^[a-f0-9]{64}$/.test(hex)) throw new InvalidDigest(digest);
  return hex;
}

export function assertDigest(digest: string): Digest {
  digestHex(digest);
  return digest as Digest;
}

export function sha256Of(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Incremental digest and size over a stream of chunks. */
export class Digester {
  private readonly hash: Hash = createHash('sha256');
  size = 0;
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.length;
  }
  digest(): Digest {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** Throws SizeMismatch or DigestMismatch when what was read is not what was expected. */
export function checkDescriptor(expected: BlobDescriptor, actualDigest: string, actualSize: number): void {
  if (expected.size !== undefined && expected.size !== actualSize) {
    throw new SizeMismatch(expected.digest, expected.size, actualSize);
  }
  if (actualDigest !== expected.digest) throw new DigestMismatch(expected.digest, actualDigest);
}
