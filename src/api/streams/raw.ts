import type { Writable } from 'node:stream';

/** Writes a tty's output as it is (application/vnd.docker.raw-stream): no framing. */
export class RawWriter {
  constructor(private readonly out: Writable) {}

  /** Returns false when the connection asks to wait for 'drain'. */
  write(payload: Uint8Array | string): boolean {
    if (payload.length === 0) return true;
    return this.out.write(payload);
  }

  end(): void {
    this.out.end();
  }
}
