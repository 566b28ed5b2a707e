import { InvalidParameter } from '../../errdefs/index.js';
import type { SystemDataUsage } from '../../types/index.js';

export const DATA_USAGE_TYPES = ['container', 'image', 'volume', 'build-cache'] as const;

/** What /system/df asks of the modules that own each kind of object. */
export interface DataUsageSources {
  layersSize(): Promise<number>;
  images(): Promise<unknown[]>;
  containers(): Promise<unknown[]>;
  volumes(): Promise<unknown[]>;
  buildCache(): Promise<unknown[]>;
}

/** GET /system/df; `types` limits which kinds are computed (all when empty). */
export async function systemDataUsage(src: DataUsageSources, types: string[]): Promise<SystemDataUsage> {
  for (const t of types) {
    if (!(DATA_USAGE_TYPES as readonly string[]).includes(t))
      throw new InvalidParameter(`unknown object type: ${t}`);
  }
  const want = (t: string) => types.length === 0 || types.includes(t);
  const [layersSize, images, containers, volumes, buildCache] = await Promise.all([
    want('image') ? src.layersSize() : 0,
    want('image') ? src.images() : [],
    want('container') ? src.containers() : [],
    want('volume') ? src.volumes() : [],
    want('build-cache') ? src.buildCache() : [],
  ]);
  return {
    LayersSize: layersSize,
    Images: images,
    Containers: containers,
    Volumes: volumes,
    BuildCache: buildCache,
  };
}
