/**
 * The body shared by LiteRequest and LiteResponse (the Fetch standard's Body mixin): what a
 * body may be made from, its content type, and the one-time readers (arrayBuffer, bytes, text,
 * json, blob) in LiteBody, their base class. Bytes known up front are kept as bytes and become a stream only when `body` is
 * read; a stream is read once.
 */
import { Blob } from 'node:buffer';
import { ReadableStream } from 'node:stream/web';
import type { LiteHeaders } from './headers.js';

export type BodySource =
  | string
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | URLSearchParams
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | null
  | undefined;

export interface ExtractedBody {
  bytes?: Uint8Array;
  stream?: ReadableStream<Uint8Array>;
  /** The Content-Type the source implies, when the headers give none. */
  type?: string;
}

function toBytes(view: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (view instanceof ArrayBuffer) return new Uint8Array(view.slice(0));
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function tag(value: object): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

/** Turns a body source into bytes or a stream; null for no body. */
export function extractBody(source: BodySource): ExtractedBody | null {
  if (source === null || source === undefined) return null;
  if (typeof source === 'string') return { bytes: Buffer.from(source), type: 'text/plain;charset=UTF-8' };
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return { bytes: toBytes(source) };
  if (source instanceof URLSearchParams) {
    return { bytes: Buffer.from(source.toString()), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  if (source instanceof Blob) {
    return {
      stream: source.stream() as ReadableStream<Uint8Array>,
      ...(source.type ? { type: source.type } : {}),
    };
  }
  if (source instanceof ReadableStream) return { stream: source };
  if (typeof source === 'object' && tag(source) === 'ReadableStream') {
    // A stream from another realm or implementation: read through its own reader.
    return { stream: source as ReadableStream<Uint8Array> };
  }
  if (typeof source === 'object' && tag(source) === 'FormData') {
    throw new TypeError('FormData bodies are not supported by the engine API');
  }
  if (typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    return { stream: ReadableStream.from(source as AsyncIterable<Uint8Array>) as ReadableStream<Uint8Array> };
  }
  return { bytes: Buffer.from(String(source)), type: 'text/plain;charset=UTF-8' };
}

function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(typeof value === 'string' ? Buffer.from(value) : value);
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks);
}

/** One message's body: read once, by `body` (the stream) or by one of the readers. */
export class BodyHolder {
  #bytes: Uint8Array | undefined;
  #stream: ReadableStream<Uint8Array> | undefined;
  #used = false;

  constructor(body: ExtractedBody | null) {
    this.#bytes = body?.bytes;
    this.#stream = body?.stream;
  }

  get present(): boolean {
    return this.#bytes !== undefined || this.#stream !== undefined;
  }

  get stream(): ReadableStream<Uint8Array> | null {
    if (!this.#stream && this.#bytes) {
      this.#stream = bytesStream(this.#bytes);
      this.#bytes = undefined;
    }
    return this.#stream ?? null;
  }

  get used(): boolean {
    return this.#used || (this.#stream?.locked ?? false);
  }

  async consume(): Promise<Uint8Array> {
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    if (this.#bytes) return this.#bytes;
    if (this.#stream) return readAll(this.#stream);
    return new Uint8Array();
  }

  /** Two holders reading the same bytes (clone): a stream is teed, bytes are shared. */
  tee(): [ExtractedBody | null, ExtractedBody | null] {
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    if (this.#bytes) return [{ bytes: this.#bytes }, { bytes: this.#bytes }];
    if (!this.#stream) return [null, null];
    const [a, b] = this.#stream.tee();
    this.#stream = a;
    return [{ stream: a }, { stream: b }];
  }
}

/**
 * The Body mixin that LiteRequest and LiteResponse share: `body`, `bodyUsed` and the one-time
 * readers. The subclass's constructor calls setBody once it has its headers.
 */
export abstract class LiteBody {
  protected holder = new BodyHolder(null);
  abstract readonly headers: LiteHeaders;

  /** Takes the body, and the Content-Type it implies when the headers have none. */
  protected setBody(extracted: ExtractedBody | null): void {
    if (extracted?.type && !this.headers.has('content-type'))
      this.headers.set('content-type', extracted.type);
    this.holder = new BodyHolder(extracted);
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.holder.stream;
  }

  get bodyUsed(): boolean {
    return this.holder.used;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.holder.consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.holder.consume());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.holder.consume()], { type: this.headers.get('content-type') ?? '' });
  }

  formData(): Promise<never> {
    return Promise.reject(new TypeError('FormData bodies are not supported by the engine API'));
  }
}
