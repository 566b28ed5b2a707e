import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { Cancelled } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import {
  type BlobDescriptor,
  checkDescriptor,
  Digester,
  digestHex,
  SizeMismatch,
} from '../content/digest.js';
import type { RegistryChannel } from './channel.js';
import { failureOf, registryError } from './errors.js';
import { type HttpResponse, headerValue, isNetworkError } from './transport.js';

const log = moduleLogger('registry-blob');

export interface BlobFetchOptions {
  signal?: AbortSignal;
  /** How many times a broken download is resumed or restarted (default 5). */
  retries?: number;
  /** Called with the bytes received so far (for progress). */
  onProgress?: (bytes: number) => void;
}

class Truncated extends Error {}

function retryable(err: unknown): boolean {
  return (
    err instanceof Truncated || isNetworkError(err) || (err as { code?: string })?.code === 'UND_ERR_SOCKET'
  );
}

/** Where a 206 answer starts, from `Content-Range: bytes START-END/TOTAL`. */
function rangeStart(res: HttpResponse): number | undefined {
  const m = /^bytes (\d+)-/.exec(headerValue(res.headers, 'content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * GET /v2/<name>/blobs/<digest> as a stream that is hashed as it flows and fails at the end
 * (DigestMismatch / SizeMismatch) when the bytes are not the blob. Redirects to storage are
 * followed without our Authorization. A broken connection is resumed with a Range request
 * where the server honours it, else the download restarts and skips what was already
 * delivered; after `retries` attempts the stream fails. Consumers must discard their output
 * when the stream errors.
 */
export function fetchBlob(
  channel: RegistryChannel,
  desc: BlobDescriptor,
  options: BlobFetchOptions = {},
): Readable {
  digestHex(desc.digest);
  const maxRetries = options.retries ?? 5;
  async function* chunks(): AsyncGenerator<Buffer> {
    await channel.ready?.(options.signal);
    const digester = new Digester();
    let attempt = 0;
    for (;;) {
      const offset = digester.size;
      let skip = 0;
      try {
        const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
        const res = await channel.exchange(
          { method: 'GET', path: `blobs/${desc.digest}`, headers, followRedirects: true },
          options.signal,
        );
        if (res.status === 206 && offset > 0 && rangeStart(res) === offset) skip = 0;
        else if (res.status === 200) skip = offset;
        else throw registryError(await failureOf(res), `fetching blob ${desc.digest} from ${channel.name}: `);
        for await (const raw of res.body) {
          let chunk = raw as Buffer;
          if (skip > 0) {
            const drop = Math.min(skip, chunk.length);
            skip -= drop;
            chunk = chunk.subarray(drop);
            if (chunk.length === 0) continue;
          }
          digester.update(chunk);
          if (desc.size !== undefined && digester.size > desc.size)
            throw new SizeMismatch(desc.digest, desc.size, digester.size);
          options.onProgress?.(digester.size);
          yield chunk;
        }
        if (desc.size !== undefined && digester.size < desc.size)
          throw new Truncated(`blob ${desc.digest} ended early`);
        break;
      } catch (err) {
        if (options.signal?.aborted)
          throw new Cancelled(`download of ${desc.digest} cancelled`, { cause: err });
        if (!retryable(err) || attempt >= maxRetries) {
          if (err instanceof Truncated) throw new SizeMismatch(desc.digest, desc.size ?? 0, digester.size);
          throw err;
        }
        attempt++;
        log.info(
          { digest: desc.digest, offset: digester.size, attempt, err: (err as Error).message },
          'blob download broken, retrying',
        );
        await delay(
          Math.min(100 * 2 ** attempt, 3000),
          undefined,
          options.signal ? { signal: options.signal } : {},
        ).catch(() => {});
      }
    }
    checkDescriptor(desc, digester.digest(), digester.size);
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** HEAD /v2/<name>/blobs/<digest>: the blob's size when the registry has it, undefined when not. */
export async function statBlob(
  channel: RegistryChannel,
  digest: string,
  signal?: AbortSignal,
): Promise<{ size: number } | undefined> {
  const res = await channel.exchange(
    { method: 'HEAD', path: `blobs/${digest}`, followRedirects: true },
    signal,
  );
  await res.body.dump().catch(() => {});
  if (res.status === 404) return undefined;
  if (res.status !== 200)
    throw registryError(
      { status: res.status, entries: [], url: res.url },
      `checking blob ${digest} on ${channel.name}: `,
    );
  return { size: Number(headerValue(res.headers, 'content-length') ?? '0') };
}
