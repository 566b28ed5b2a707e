import type { Readable } from 'node:stream';
import { Internal } from '../../errdefs/index.js';
import { type BlobDescriptor, digestHex } from '../content/digest.js';
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

/**
 * Monolithic upload: PUT <upload URL>?digest=<digest> with the whole blob (a fresh session
 * is started unless `uploadUrl` is given). The registry verifies the digest; its answer is
 * checked against ours.
 */
export async function uploadBlob(
  channel: RegistryChannel,
  desc: Required<BlobDescriptor>,
  body: Buffer | (() => Readable | Promise<Readable>),
  options: { uploadUrl?: string; signal?: AbortSignal } = {},
): Promise<void> {
  digestHex(desc.digest);
  const uploadUrl = options.uploadUrl ?? (await startUpload(channel, options.signal));
  const url = new URL(uploadUrl);
  url.searchParams.set('digest', desc.digest);
  const res = await channel.exchange(
    {
      method: 'PUT',
      path: url.toString(),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
      body,
    },
    options.signal,
  );
  if (res.status !== 201 && res.status !== 204)
    throw registryError(await failureOf(res), `uploading ${desc.digest} to ${channel.name}: `);
  await res.body.dump().catch(() => {});
  const announced = headerValue(res.headers, 'docker-content-digest');
  if (announced && announced !== desc.digest) {
    throw new Internal(`the registry stored ${desc.digest} as ${announced}`);
  }
}
