import type { Readable } from 'node:stream';
import { Cancelled, InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { BlobDescriptor } from '../content/digest.js';
import type { ImageReference } from '../images/reference.js';
import { Authorizer, repositoryScope } from './auth.js';
import { type BlobFetchOptions, fetchBlob, statBlob } from './blob-fetch.js';
import { type MountResult, mountBlob, uploadBlob } from './blob-push.js';
import type { RegistryChannel, RegistryRequest } from './channel.js';
import type { RegistryAuth } from './credentials.js';
import type { RegistryEndpoint } from './endpoints.js';
import {
  hostPlatform,
  type ImageIndex,
  type ImageManifest,
  isIndexMediaType,
  isManifestMediaType,
  type Platform,
  parseManifestBytes,
  parsePlatform,
  selectManifest,
} from './manifest.js';
import { type FetchedManifest, fetchManifest, putManifest, translatePullError } from './manifest-fetch.js';
import { type HttpResponse, isNetworkError, send } from './transport.js';

const log = moduleLogger('registry');

/** An image resolved for one platform: the manifest to pull and the digest users see. */
export interface ResolvedImage {
  /** Digest of what the reference points at (index or manifest): the RepoDigest. */
  digest: string;
  mediaType: string;
  /** The index or manifest list, when the reference names one. */
  index?: FetchedManifest;
  /** The platform's image manifest (the top-level one for single-platform images). */
  manifest: FetchedManifest;
  parsed: ImageManifest;
  /** The platform of the chosen index entry, when there was an index. */
  platform?: Platform;
}

export interface RepositoryOptions {
  auth?: RegistryAuth;
  /** Also ask for push rights (and never use mirrors). */
  push?: boolean;
  /**
   * Remembers, per registry, the endpoint that answered after https failed on an insecure
   * registry, so that later requests do not repeat the failing TLS attempt.
   */
  memory?: Map<string, string>;
}

/**
 * One repository on one registry, reached through its endpoints in order (mirrors, then
 * the origin; https then http for insecure registries). Keeps the authorization per endpoint.
 */
export class RegistryRepository implements RegistryChannel {
  readonly name: string;
  private current = 0;
  private readonly authorizers = new Map<string, Authorizer>();

  constructor(
    readonly ref: Pick<ImageReference, 'domain' | 'path'>,
    readonly endpoints: readonly RegistryEndpoint[],
    private readonly options: RepositoryOptions = {},
  ) {
    if (endpoints.length === 0) throw new InvalidParameter(`no endpoint for registry ${ref.domain}`);
    this.name = `${ref.domain}/${ref.path}`;
    const remembered = options.memory?.get(ref.domain);
    const at = remembered ? endpoints.findIndex((e) => e.url === remembered && !e.mirror) : -1;
    if (at > 0 && endpoints.slice(0, at).every((e) => !e.mirror)) this.current = at;
  }

  /** The endpoint in use now. */
  get endpoint(): RegistryEndpoint {
    return this.endpoints[this.current] as RegistryEndpoint;
  }

  private authorizer(ep: RegistryEndpoint): Authorizer {
    let a = this.authorizers.get(ep.url);
    if (!a) {
      const actions = this.options.push ? ['pull', 'push'] : ['pull'];
      a = new Authorizer(ep, this.options.auth, [repositoryScope(this.ref.path, actions)]);
      this.authorizers.set(ep.url, a);
    }
    return a;
  }

  async exchange(req: RegistryRequest, signal?: AbortSignal): Promise<HttpResponse> {
    const ep = this.endpoint;
    const authz = this.authorizer(ep);
    const url = new URL(
      /^https?:\/\//.test(req.path) ? req.path : `${ep.url}/v2/${this.ref.path}/${req.path}`,
    );
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const sameOrigin = url.origin === new URL(ep.url).origin;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { 'user-agent': 'rootlessd/0.1', ...(req.headers ?? {}) };
      if (sameOrigin) {
        const value = await authz.authorization(signal);
        if (value) headers.authorization = value;
      }
      const body = typeof req.body === 'function' ? await req.body() : req.body;
      const res = await send({
        method: req.method,
        url: url.toString(),
        headers,
        ...(body ? { body } : {}),
        insecureTls: ep.insecureTls,
        signal,
        followRedirects: req.followRedirects ?? false,
      });
      log.debug(
        { method: req.method, url: `${url.origin}${url.pathname}`, status: res.status },
        'registry request',
      );
      if (res.status === 401 && attempt === 0 && sameOrigin && authz.unauthorized(res.headers)) {
        await res.body.dump().catch(() => {});
        continue;
      }
      return res;
    }
  }

  async ready(signal?: AbortSignal): Promise<void> {
    await this.withFallback('connect', async () => {
      await this.authorizer(this.endpoint).authorization(signal);
    });
  }

  /** Runs an operation on the current endpoint, moving to the next one where Docker would. */
  private async withFallback<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      // Several operations may run at once (parallel layer pushes): each moves on from the
      // endpoint it used, never past one another operation already moved to.
      const at = this.current;
      const ep = this.endpoint;
      try {
        const result = await fn();
        if (at > 0 && !ep.mirror) this.options.memory?.set(this.ref.domain, ep.url);
        return result;
      } catch (err) {
        const more = at + 1 < this.endpoints.length;
        const fallback = more && !(err instanceof Cancelled) && (ep.mirror || isNetworkError(err));
        if (!fallback) throw err;
        const fields = { endpoint: ep.url, what, err: (err as Error).message };
        if (ep.mirror) log.info(fields, 'mirror failed, trying the next endpoint');
        else log.debug(fields, 'trying the next endpoint');
        if (this.current === at) this.current = at + 1;
      }
    }
  }

  /** GET a manifest by tag or digest (verified against the digest). */
  getManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    return this.withFallback('manifest', () => fetchManifest(this, reference, signal));
  }

  /**
   * Resolves a reference to the image manifest for a platform (default: this host), going
   * through a manifest list / OCI index when there is one. Errors carry Docker's texts.
   */
  resolveImage(
    ref: ImageReference,
    options: { platform?: Platform | string; signal?: AbortSignal } = {},
  ): Promise<ResolvedImage> {
    const wanted =
      typeof options.platform === 'string'
        ? parsePlatform(options.platform)
        : (options.platform ?? hostPlatform());
    const reference = ref.digest ?? ref.tag ?? 'latest';
    return this.withFallback('resolve', async () => {
      try {
        const top = await fetchManifest(this, reference, options.signal);
        if (isIndexMediaType(top.mediaType)) {
          const index = parseManifestBytes(top.bytes, top.mediaType) as ImageIndex;
          const chosen = selectManifest(index, wanted);
          const manifest = await fetchManifest(this, chosen.digest, options.signal);
          if (manifest.bytes.length !== chosen.size) {
            throw new InvalidParameter(
              `manifest ${chosen.digest} is ${manifest.bytes.length} bytes, the index says ${chosen.size}`,
            );
          }
          const parsed = parseManifestBytes(manifest.bytes, manifest.mediaType) as ImageManifest;
          return {
            digest: top.digest,
            mediaType: top.mediaType,
            index: top,
            manifest,
            parsed,
            ...(chosen.platform ? { platform: chosen.platform } : {}),
          };
        }
        if (!isManifestMediaType(top.mediaType)) {
          throw new InvalidParameter(
            `unsupported manifest media type ${top.mediaType} for ${this.name}:${reference}`,
          );
        }
        const parsed = parseManifestBytes(top.bytes, top.mediaType) as ImageManifest;
        return { digest: top.digest, mediaType: top.mediaType, manifest: top, parsed };
      } catch (err) {
        throw translatePullError(err, ref);
      }
    });
  }

  /** A verified stream of a blob (see fetchBlob), from the endpoint the manifest came from. */
  openBlob(desc: BlobDescriptor, options: BlobFetchOptions = {}): Readable {
    return fetchBlob(this, desc, options);
  }

  statBlob(digest: string, signal?: AbortSignal): Promise<{ size: number } | undefined> {
    return this.withFallback('stat blob', () => statBlob(this, digest, signal));
  }

  /** Cross-repository mount from another repository of the same registry. */
  mountBlob(digest: string, fromPath: string, signal?: AbortSignal): Promise<MountResult> {
    this.authorizer(this.endpoint).addScope(repositoryScope(fromPath, ['pull']));
    return this.withFallback('mount blob', () => mountBlob(this, digest, fromPath, signal));
  }

  uploadBlob(
    desc: Required<BlobDescriptor>,
    body: Buffer | (() => Readable | Promise<Readable>),
    options: { uploadUrl?: string; signal?: AbortSignal } = {},
  ): Promise<void> {
    return this.withFallback('upload blob', () => uploadBlob(this, desc, body, options));
  }

  /** PUT a manifest under a tag or digest; returns the registry's digest for it. */
  putManifest(reference: string, bytes: Buffer, mediaType: string, signal?: AbortSignal): Promise<string> {
    return this.withFallback('put manifest', () => putManifest(this, reference, bytes, mediaType, signal));
  }
}
