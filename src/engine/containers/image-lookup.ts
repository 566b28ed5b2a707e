/** The part of an image a container needs (the image service's LocalImage has these). */
export interface ContainerImage {
  id: string;
  /** The image config JSON (with a `config` section) or that section itself. */
  config: Record<string, unknown>;
  /** The top layer's chain id: the parent of the container's rootfs snapshot. */
  chainId?: string;
  repoTags?: string[];
}

/** Resolves a name or id to a local image; throws NotFound (`No such image: X`). */
export interface ImageLookup {
  resolve(nameOrId: string): Promise<ContainerImage>;
  /** The image's size on disk (its layers), for `SizeRootFs`; 0 when it is gone. */
  size?(imageId: string): Promise<number>;
}

export interface ImageRuntimeConfig {
  Env?: string[] | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, unknown> | null;
  Volumes?: Record<string, unknown> | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: Record<string, unknown> | null;
}

/** The runtime section of an image config. */
export function imageRuntimeConfig(image: ContainerImage): ImageRuntimeConfig {
  const inner = image.config.config;
  if (inner && typeof inner === 'object') return inner as ImageRuntimeConfig;
  return image.config as ImageRuntimeConfig;
}
