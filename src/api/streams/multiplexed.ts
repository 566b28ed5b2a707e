import type { Writable } from 'node:stream';

/** Stream ids of Docker's multiplexed framing. */
export const StreamType = { stdin: 0, stdout: 1, stderr: 2, systemerr: 3 } as const;
export type StreamId = (typeof StreamType)[keyof typeof StreamType];

export const FRAME_HEADER_SIZE = 8;
const MAX_FRAME = 0xffffffff;

/** One frame: [stream, 0, 0, 0, uint32 BE length] then the payload. */
export function encodeFrame(stream: StreamId, payload: Uint8Array): Buffer {
  if (payload.byteLength > MAX_FRAME) throw new RangeError('frame payload exceeds 4 GiB');
  const header = Buffer.alloc(FRAME_HEADER_SIZE);
  header[0] = stream;
  header.writeUInt32BE(payload.byteLength, 4);
  return Buffer.concat([header, payload]);
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
