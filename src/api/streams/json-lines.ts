import type { Writable } from 'node:stream';

export interface JsonLinesOptions {
  /** Line separator: "\n" for events, "\r\n" for Docker's progress message streams. */
  separator?: string;
  /** Called when the client goes away, to stop the producer. */
  onCancel?: () => void;
}

/**
 * A streamed JSON answer: one object per line, each sent as soon as it is produced (one
 * chunk per object, so nothing waits in a buffer). Errors after the first byte end the
 * stream with a final {"message": ...}-style object chosen by `onError`.
 */
export function jsonLinesStream(
  source: AsyncIterable<unknown>,
  options: JsonLinesOptions & { onError?: (err: unknown) => unknown } = {},
): ReadableStream<Uint8Array> {
  const separator = options.separator ?? '\n';
  const encoder = new TextEncoder();
  let iterator: AsyncIterator<unknown> | undefined;
  return new ReadableStream<Uint8Array>({
    start() {
      iterator = source[Symbol.asyncIterator]();
    },
    async pull(controller) {
      try {
        const next = await iterator?.next();
        if (!next || next.done) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(JSON.stringify(next.value) + separator));
      } catch (err) {
        if (options.onError)
          controller.enqueue(encoder.encode(JSON.stringify(options.onError(err)) + separator));
        controller.close();
      }
    },
    async cancel() {
      options.onCancel?.();
      await iterator?.return?.();
    },
  });
}

/** The same for a hijacked or raw node stream: one write per object. */
export class JsonLinesWriter {
  constructor(
    private readonly out: Writable,
    private readonly separator = '\n',
  ) {}

  write(value: unknown): boolean {
    return this.out.write(JSON.stringify(value) + this.separator);
  }

  end(): void {
    this.out.end();
  }
}
