import type { Readable } from 'node:stream';
import type { HttpMethod, HttpResponse } from './transport.js';

/** A request to one repository's registry, relative to `/v2/<name>/` or an absolute URL it gave us. */
export interface RegistryRequest {
  method: HttpMethod;
  /** `manifests/latest`, `blobs/sha256:…`, `blobs/uploads/`; or an absolute URL (upload Location). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A body; a function is called again if the request must be repeated (after a 401). */
  body?: Buffer | (() => Readable | Promise<Readable>);
  followRedirects?: boolean;
}

/**
 * What the manifest, blob and upload operations need from a repository: one authenticated
 * exchange with the endpoint now in use. The caller consumes or dumps the body.
 */
export interface RegistryChannel {
  /** `127.0.0.1:5000/library/busybox`, for messages. */
  readonly name: string;
  exchange(req: RegistryRequest, signal?: AbortSignal): Promise<HttpResponse>;
  /** Settles on a working endpoint (and its authorization) before a streamed operation. */
  ready?(signal?: AbortSignal): Promise<void>;
}
