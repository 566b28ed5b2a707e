import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import type { AuthBackend, AuthConfig } from '../../api/routes/auth.js';
import type { ImageTransferBackend, ImportQuery } from '../../api/routes/images-transfer.js';
import { InvalidParameter, NotImplemented } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { ContentStore } from '../content/store.js';
import type { EventBus } from '../events/bus.js';
import type { Snapshotter } from '../layers/types.js';
import { RegistryClient } from '../registry/client.js';
import { decodeRegistryAuthHeader, type RegistryAuth } from '../registry/credentials.js';
import type { RegistryConfig } from '../registry/endpoints.js';
import { parsePlatform } from '../registry/manifest.js';
import { inspectDistribution } from './distribution.js';
import type { ImageService } from './image-service.js';
import type { ImageStore } from './image-store.js';
import { importImage } from './import.js';
import { loadImages } from './load.js';
import { startPush } from './push.js';
import { saveImages } from './save.js';
import { searchImages } from './search.js';
import type { TransferContext } from './transfer-context.js';

const log = moduleLogger('images-transfer');

/** What the images module provides once open. */
export interface TransferStores {
  content: ContentStore;
  snapshotter: Snapshotter;
  store: ImageStore;
  service: ImageService;
}

export interface TransferDeps {
  stores: Promise<TransferStores>;
  bus: EventBus;
  dataRoot: string;
  /** The daemon's registry settings now (reloads apply). */
  registryConfig: () => RegistryConfig;
  /** daemon.json `max-concurrent-uploads` now (reloads apply). */
  maxConcurrentUploads?: () => number | undefined;
}

function nodeStream(body: ReadableStream<Uint8Array> | null): Readable {
  return body ? Readable.fromWeb(body as NodeWebStream<Uint8Array>) : Readable.from([]);
}

/** Removes spool folders an interrupted load, import, commit or build left under `<dataRoot>/tmp`. */
async function cleanSpool(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const doomed = names.filter((n) => /^(load|import|commit|build)-/.test(n));
  for (const n of doomed) await rm(join(dir, n), { recursive: true, force: true });
  if (doomed.length) log.info({ count: doomed.length }, 'removed leftovers of interrupted loads');
}

/** The API's ImageTransferBackend over the engine's stores and registry client. */
export function imageTransferBackend(deps: TransferDeps): ImageTransferBackend {
  const tmpDir = join(deps.dataRoot, 'tmp');
  const registry = () => new RegistryClient(deps.registryConfig());
  const swept = cleanSpool(tmpDir).catch((err: unknown) => log.warn({ err }, 'spool cleanup failed'));
  const context = async (): Promise<TransferContext> => {
    const s = await deps.stores;
    await swept;
    return {
      content: s.content,
      images: s.store,
      service: s.service,
      snapshotter: async () => s.snapshotter,
      registry: registry(),
      bus: deps.bus,
      tmpDir,
      maxConcurrentUploads: deps.maxConcurrentUploads?.() ?? 5,
    };
  };
  const auth = (header: string | undefined): RegistryAuth | undefined => decodeRegistryAuthHeader(header);
  return {
    async push(query, signal) {
      const a = auth(query.registryAuth);
      return startPush(
        await context(),
        { name: query.name, ...(query.tag ? { tag: query.tag } : {}), ...(a ? { auth: a } : {}) },
        signal,
      );
    },
    async save(names, signal) {
      if (names.length === 0) throw new InvalidParameter('no image names given');
      const stream = await saveImages(await context(), names, signal);
      return Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
    },
    async load(body, query, signal) {
      return loadImages(await context(), nodeStream(body), { quiet: query.quiet, signal });
    },
    async importImage(body, query: ImportQuery, signal) {
      if (query.fromSrc !== '-')
        throw new NotImplemented('importing from a URL is not supported: use fromSrc=-');
      return importImage(await context(), nodeStream(body), {
        ...(query.repo ? { repo: query.repo } : {}),
        ...(query.tag ? { tag: query.tag } : {}),
        ...(query.message ? { message: query.message } : {}),
        changes: query.changes,
        ...(query.platform ? { platform: parsePlatform(query.platform) } : {}),
        signal,
      });
    },
    async distribution(name, registryAuth, signal) {
      return inspectDistribution(registry(), name, auth(registryAuth), signal);
    },
    async search(query, signal) {
      const a = auth(query.registryAuth);
      return searchImages(
        deps.registryConfig(),
        {
          term: query.term,
          filters: query.filters,
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
          ...(a ? { auth: a } : {}),
        },
        signal,
      );
    },
  };
}

/** The API's AuthBackend: `POST /auth` through the registry client's login check. */
export function registryAuthBackend(registryConfig: () => RegistryConfig): AuthBackend {
  return {
    async login(config: AuthConfig, signal) {
      const a: RegistryAuth = {};
      for (const key of [
        'username',
        'password',
        'auth',
        'email',
        'serveraddress',
        'identitytoken',
        'registrytoken',
      ] as const) {
        const v = config[key];
        if (typeof v === 'string' && v !== '') a[key] = v;
      }
      return new RegistryClient(registryConfig()).checkLogin(a, signal);
    },
  };
}
