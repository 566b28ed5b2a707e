import type { Readable } from 'node:stream';
import { Internal } from '../../errdefs/index.js';
import { type BlobDescriptor, digestHex, SizeMismatch } from '../content/digest.js';
import type { RegistryChannel } from './channel.js';
import { failureOf, registryError } from './errors.js';
import { type HttpResponse, headerValue } from './transport.js';

export type MountResult = { mounted: true } | { mounted: false; uploadUrl: string };

function uploadLocation(res: HttpResponse): string {
  const location = headerValue(res.headers, 'location');
  if (!location) throw new Internal(`the registry started an upload without a Location (${res.url})`);
  return new URL(location, res.url).toString();
}

/** POST /v2/<name>/blobs/uploads/: starts an upload session; returns its URL. */
export async function startUpload(channel: RegistryChannel, signal?: AbortSignal): Promise<string> {
  const res = await channel.exchange(
    { method: 'POST', path: 'blobs/uploads/', headers: { 'content-length': '0' } },
    signal,
  );
  await res.body.dump().catch(() => {});
  if (res.status !== 202)
    throw registryError(await failureOf(res), `starting an upload to ${channel.name}: `);
  return uploadLocation(res);
}

/**
 * Cross-repository mount: `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repo>`.
 * 201 means the blob is now in this repository; 202 means the registry declined and opened
 * an ordinary upload instead, whose URL is returned for uploadBlob.
 */
export async function mountBlob(
  channel: RegistryChannel,
  digest: string,
  fromPath: string,
  signal?: AbortSignal,
): Promise<MountResult> {
  digestHex(digest);
  const res = await channel.exchange(
    {
      method: 'POST',
      path: 'blobs/uploads/',
      query: { mount: digest, from: fromPath },
      headers: { 'content-length': '0' },
    },
    signal,
  );
  if (res.status === 201) {
    await res.body.dump().catch(() => {});
    return { mounted: true };
  }
  if (res.status === 202) {
    await res.body.dump().catch(() => {});
    return { mounted: false, uploadUrl: uploadLocation(res) };
  }
  throw registryError(await failureOf(res), `mounting ${digest} from ${fromPath} on ${channel.name}: `);
}

/** Bytes per PATCH of a chunked upload, unless the registry (or a proxy before it) refuses. */
export const UPLOAD_CHUNK_SIZE = 8 * 1024 * 1024;
/** Below this a refused PATCH is not split further. */
const MIN_CHUNK_SIZE = 64 * 1024;

export interface UploadOptions {
  uploadUrl?: string;
  signal?: AbortSignal;
  /** First chunk size of a chunked upload (halved after each 413). */
  chunkSize?: number;
}

type BlobBody = Buffer | (() => Readable | Promise<Readable>);

/**
 * Uploads a blob: one monolithic PUT <upload URL>?digest= with the whole blob (a fresh
 * session is started unless `uploadUrl` is given). A registry that refuses a body that large
 * (413, as a proxy's request size limit answers) gets the blob chunked instead, in a new
 * session (see uploadBlobChunked). The registry verifies the digest; its answer is checked
 * against ours.
 */
export async function uploadBlob(
  channel: RegistryChannel,
  desc: Required<BlobDescriptor>,
  body: BlobBody,
  options: UploadOptions = {},
): Promise<void> {
  digestHex(desc.digest);
  const uploadUrl = options.uploadUrl ?? (await startUpload(channel, options.signal));
  const res = await finishUpload(channel, desc, uploadUrl, body, options.signal);
  if (res.status === 413) {
    await res.body.dump().catch(() => {});
    const { uploadUrl: _, ...rest } = options;
    await uploadBlobChunked(channel, desc, body, rest);
    return;
  }
  await checkFinished(channel, desc, res);
}

/** PUT <upload URL>?digest=, with the whole blob or (chunked upload) nothing. */
function finishUpload(
  channel: RegistryChannel,
  desc: Required<BlobDescriptor>,
  uploadUrl: string,
  body: BlobBody | undefined,
  signal: AbortSignal | undefined,
): Promise<HttpResponse> {
  const url = new URL(uploadUrl);
  url.searchParams.set('digest', desc.digest);
  return channel.exchange(
    {
      method: 'PUT',
      path: url.toString(),
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': body === undefined ? '0' : String(desc.size),
      },
      ...(body === undefined ? {} : { body }),
    },
    signal,
  );
}

async function checkFinished(
  channel: RegistryChannel,
  desc: Required<BlobDescriptor>,
  res: HttpResponse,
): Promise<void> {
  if (res.status !== 201 && res.status !== 204)
    throw registryError(await failureOf(res), `uploading ${desc.digest} to ${channel.name}: `);
  await res.body.dump().catch(() => {});
  const announced = headerValue(res.headers, 'docker-content-digest');
  if (announced && announced !== desc.digest) {
    throw new Internal(`the registry stored ${desc.digest} as ${announced}`);
  }
}

/** The blob's bytes in pieces of at most `size` (the last one shorter). */
async function* piecesOf(body: BlobBody, size: () => number): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(body)) {
    for (let at = 0; at < body.length; ) {
      const piece = body.subarray(at, at + size());
      at += piece.length;
      yield piece;
    }
    return;
  }
  let pending: Buffer[] = [];
  let length = 0;
  for await (const chunk of await body()) {
    pending.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    while (length >= size()) {
      const all = Buffer.concat(pending);
      const piece = all.subarray(0, size());
      pending = [all.subarray(piece.length)];
      length -= piece.length;
      yield piece;
    }
  }
  if (length > 0) yield Buffer.concat(pending);
}

/**
 * Chunked upload (distribution spec): PATCH <upload URL> per chunk with
 * `Content-Range: START-END` (inclusive), following the Location each answer gives, then
 * PUT ?digest= with no body. A chunk refused with 413 is sent again in halves, and later
 * chunks keep the smaller size.
 */
export async function uploadBlobChunked(
  channel: RegistryChannel,
  desc: Required<BlobDescriptor>,
  body: BlobBody,
  options: UploadOptions = {},
): Promise<void> {
  digestHex(desc.digest);
  let url = options.uploadUrl ?? (await startUpload(channel, options.signal));
  let chunkSize = options.chunkSize ?? UPLOAD_CHUNK_SIZE;
  let offset = 0;
  const send = async (piece: Buffer): Promise<void> => {
    const res = await channel.exchange(
      {
        method: 'PATCH',
        path: url,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(piece.length),
          'content-range': `${offset}-${offset + piece.length - 1}`,
        },
        body: piece,
      },
      options.signal,
    );
    if (res.status === 413 && piece.length > MIN_CHUNK_SIZE) {
      await res.body.dump().catch(() => {});
      chunkSize = Math.max(MIN_CHUNK_SIZE, Math.floor(piece.length / 2));
      const half = Math.ceil(piece.length / 2);
      await send(piece.subarray(0, half));
      await send(piece.subarray(half));
      return;
    }
    if (res.status !== 202)
      throw registryError(await failureOf(res), `uploading ${desc.digest} to ${channel.name}: `);
    await res.body.dump().catch(() => {});
    url = uploadLocation(res);
    offset += piece.length;
  };
  for await (const piece of piecesOf(body, () => chunkSize)) {
    if (offset + piece.length > desc.size)
      throw new SizeMismatch(desc.digest, desc.size, offset + piece.length);
    await send(piece);
  }
  if (offset !== desc.size) throw new SizeMismatch(desc.digest, desc.size, offset);
  await checkFinished(channel, desc, await finishUpload(channel, desc, url, undefined, options.signal));
}
