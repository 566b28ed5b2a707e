import type { BuildQuery } from '../../api/routes/build.js';
import type { ImageConfigFile, ImageContainerConfig } from '../images/image-config.js';

/** An image as the builder sees it. */
export interface BuildImage {
  id: string;
  config: ImageConfigFile;
  chainId: string | undefined;
}

/** The run options of a build's containers (RUN), as POST /build's query gives them. */
export type BuildHostOptions = BuildQuery['host'];

/** What the builder needs from the rest of the engine (wired in build-engine.ts). */
export interface BuildPorts {
  /** A local image by name or id (NotFound when absent). */
  resolveImage(ref: string): Promise<BuildImage>;
  /** Pulls `ref`; yields the pull's progress messages. */
  pullImage(ref: string, platform: string | undefined, signal: AbortSignal): Promise<AsyncIterable<unknown>>;
  /** Images whose parent is `parentId` ('' for none): the classic builder's cache candidates. */
  childImages(parentId: string): Promise<BuildImage[]>;
  /** A new image on `parentId` without a layer (metadata steps). */
  commitEmpty(input: CommitStepInput): Promise<string>;
  /** Creates a build container (not started) from the image (undefined: scratch). */
  createContainer(
    image: BuildImage | undefined,
    config: ImageContainerConfig,
    host: BuildHostOptions,
  ): Promise<string>;
  /**
   * Starts the container with its output attached; resolves with its exit code once its
   * output ended and it exited.
   */
  runContainer(
    id: string,
    output: (stream: 'stdout' | 'stderr', data: Buffer) => void,
    signal: AbortSignal,
  ): Promise<number>;
  /** Runs `fn` with the container's root file system mounted on the host. */
  withContainerRoot<T>(id: string, fn: (root: string) => Promise<T>): Promise<T>;
  /** A new image from the container's changes, with the config as given. */
  commitContainer(id: string, input: CommitStepInput): Promise<string>;
  removeContainer(id: string): Promise<void>;
  /** Points `ref` (a normalised name:tag) at the image; publishes the tag event. */
  tagImage(id: string, ref: string): Promise<void>;
  /** Folder for build contexts. */
  tmpDir: string;
}

export interface CommitStepInput {
  parentId: string;
  config: ImageContainerConfig;
  containerConfig: ImageContainerConfig;
  author?: string;
  signal?: AbortSignal;
}
