import type { ImageReference } from '../images/reference.js';
import type { RegistryAuth } from './credentials.js';
import { type RegistryConfig, registryEndpoints } from './endpoints.js';
import { checkLogin, type LoginResult } from './login.js';
import type { Platform } from './manifest.js';
import { RegistryRepository, type ResolvedImage } from './repository.js';

/** The registry client the pull/push orchestration holds: the daemon's registry settings. */
export class RegistryClient {
  /** Registry domain → the endpoint URL that worked after https failed (insecure registries). */
  private readonly memory = new Map<string, string>();

  constructor(readonly config: RegistryConfig = {}) {}

  /** A repository handle for pulling (mirrors, then the origin) or pushing (origin only). */
  repository(
    ref: Pick<ImageReference, 'domain' | 'path'>,
    options: { auth?: RegistryAuth; push?: boolean } = {},
  ): RegistryRepository {
    const endpoints = registryEndpoints(ref.domain, this.config, options.push ? 'push' : 'pull');
    return new RegistryRepository(ref, endpoints, { ...options, memory: this.memory });
  }

  /** Resolves a reference for pulling; the returned repository serves its blobs. */
  async resolve(
    ref: ImageReference,
    options: { auth?: RegistryAuth; platform?: Platform | string; signal?: AbortSignal } = {},
  ): Promise<{ repository: RegistryRepository; image: ResolvedImage }> {
    const repository = this.repository(ref, options.auth ? { auth: options.auth } : {});
    const image = await repository.resolveImage(ref, {
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { repository, image };
  }

  checkLogin(auth: RegistryAuth, signal?: AbortSignal): Promise<LoginResult> {
    return checkLogin(auth, this.config, signal);
  }
}
