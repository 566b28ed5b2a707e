import type { Writable } from 'node:stream';

/** Stream ids of Docker's multiplexed framing. */
export const StreamType = { stdin: 0, stdout: 1, stderr: 2, systemerr: 3 } as const;
export type StreamId = (typeof StreamType)[keyof typeof StreamType];

export const FRAME_HEADER_SIZE = 8;
const MAX_FRAME = 0xffffffff;

/** A frame's header at `at`: [stream, 0, 0, 0, uint32 BE length]. */
function writeHeader(out: Buffer, at: number, stream: StreamId, length: number): void {
  if (length > MAX_FRAME) throw new RangeError('frame payload exceeds 4 GiB');
  out[at] = stream;
  out.fill(0, at + 1, at + 4);
  out.writeUInt32BE(length, at + 4);
}

/** One frame: the header, then the payload. */
export function encodeFrame(stream: StreamId, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payload.byteLength);
  writeHeader(out, 0, stream, payload.byteLength);
  out.set(payload, FRAME_HEADER_SIZE);
  return out;
}

/**
 * Log entries as the bytes Docker sends them, in one buffer: a frame each (raw with a tty),
 * the timestamp first when asked for.
 */
export function encodeLogBatch(
  entries: readonly { stream: 'stdout' | 'stderr'; timestamp: string; data: Buffer }[],
  tty: boolean,
  timestamps: boolean,
): Buffer {
  const stamps = timestamps ? entries.map((e) => Buffer.from(`${e.timestamp} `)) : undefined;
  const lengths = entries.map((e, i) => (stamps?.[i]?.length ?? 0) + e.data.length);
  const out = Buffer.allocUnsafe(lengths.reduce((sum, n) => sum + n + (tty ? 0 : FRAME_HEADER_SIZE), 0));
  let at = 0;
  entries.forEach((e, i) => {
    if (!tty) {
      writeHeader(out, at, e.stream === 'stdout' ? StreamType.stdout : StreamType.stderr, lengths[i] ?? 0);
      at += FRAME_HEADER_SIZE;
    }
    const stamp = stamps?.[i];
    if (stamp) at += stamp.copy(out, at);
    at += e.data.copy(out, at);
  });
  return out;
}

export interface Frame {
  stream: number;
  payload: Buffer;
}

/** Splits a byte stream back into frames; keeps a partial frame for the next push. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Frame[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    while (this.pending.length >= FRAME_HEADER_SIZE) {
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < FRAME_HEADER_SIZE + length) break;
      frames.push({
        stream: this.pending[0] ?? 0,
        payload: this.pending.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + length),
      });
      this.pending = this.pending.subarray(FRAME_HEADER_SIZE + length);
    }
    return frames;
  }

  /** Bytes of an unfinished frame. */
  get buffered(): number {
    return this.pending.length;
  }
}

/**
 * Writes stdout/stderr onto one connection as multiplexed frames (non-tty attach, exec,
 * logs). Empty writes are skipped: a zero-length frame means nothing to Docker clients.
 */
export class MultiplexedWriter {
  constructor(private readonly out: Writable) {}

  /** Returns false when the connection asks to wait for 'drain'. */
  write(stream: StreamId, payload: Uint8Array): boolean {
    if (payload.byteLength === 0) return true;
    return this.out.write(encodeFrame(stream, payload));
  }

  stdout(payload: Uint8Array | string): boolean {
    return this.write(StreamType.stdout, typeof payload === 'string' ? Buffer.from(payload) : payload);
  }

  stderr(payload: Uint8Array | string): boolean {
    return this.write(StreamType.stderr, typeof payload === 'string' ? Buffer.from(payload) : payload);
  }

  end(): void {
    this.out.end();
  }
}
