import type { ContainerCreateRequest } from '../../types/container-create.js';
import type { ContainerFiles } from '../containers/archive.js';
import type { ContainerCommit } from '../containers/commit.js';
import type { ContainerService } from '../containers/container-service.js';
import type { CommitImageInput } from '../images/commit.js';
import type { ImageContainerConfig } from '../images/image-config.js';
import type { ImagesModule } from '../images/images-module.js';
import type { BuildHostOptions, BuildImage, BuildPorts, CommitStepInput } from './build-ports.js';

export interface BuildEngineOptions {
  images: () => Promise<ImagesModule>;
  containers: ContainerService;
  files: ContainerFiles;
  commit: ContainerCommit;
  /** images/commit.ts's commitImage with the images module's stores. */
  storeImage: (input: CommitImageInput) => Promise<string>;
  tmpDir: string;
}

/** The empty image a `FROM scratch` stage's containers start from. */
const SCRATCH = { id: '', config: {}, chainId: undefined };

function hostConfig(host: BuildHostOptions): Record<string, unknown> {
  return {
    ...(host.networkMode && host.networkMode !== 'default' ? { NetworkMode: host.networkMode } : {}),
    ...(host.shmSize ? { ShmSize: host.shmSize } : {}),
    ...(host.extraHosts.length > 0 ? { ExtraHosts: host.extraHosts } : {}),
  };
}

/**
 * The builder's view of the engine: images looked up, pulled and committed through the
 * images module; RUN, COPY and WORKDIR through ordinary containers (create, attach + start +
 * wait, their root mounted, commit, remove), so a build step runs as `docker run` would.
 */
export function buildPorts(o: BuildEngineOptions): BuildPorts {
  const describe = async (ref: string): Promise<BuildImage> => {
    const m = await o.images();
    const image = await m.service.resolve(ref);
    return { id: image.id, config: image.config, chainId: image.chainId };
  };
  return {
    tmpDir: o.tmpDir,
    resolveImage: describe,
    async pullImage(ref, platform, signal) {
      const m = await o.images();
      const { messages } = await m.pull({ fromImage: ref, ...(platform ? { platform } : {}) }, signal);
      return messages;
    },
    async childImages(parentId) {
      const m = await o.images();
      const out: BuildImage[] = [];
      for (const r of m.store.list()) {
        if ((r.parent ?? '') !== parentId) continue;
        const image = await m.service.describe(r);
        out.push({ id: image.id, config: image.config, chainId: image.chainId });
      }
      return out;
    },
    commitEmpty: (input: CommitStepInput) =>
      o.storeImage({
        ...(input.parentId ? { parentId: input.parentId } : {}),
        config: input.config,
        containerConfig: input.containerConfig,
        createdBy: (input.containerConfig.Cmd ?? []).join(' '),
        ...(input.author ? { author: input.author } : {}),
        ...(input.signal ? { signal: input.signal } : {}),
      }),
    async createContainer(image, config: ImageContainerConfig, host) {
      const req: ContainerCreateRequest = {
        ...(config as ContainerCreateRequest),
        Image: image?.id ?? 'scratch',
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: hostConfig(host),
      };
      const resolved = image
        ? { id: image.id, config: image.config as Record<string, unknown>, chainId: image.chainId }
        : SCRATCH;
      const { Id } = await o.containers.create(req, undefined, undefined, resolved);
      return Id;
    },
    async runContainer(id, output, signal) {
      const { session } = o.containers.attach(
        id,
        { stdin: false, stdout: true, stderr: true },
        { write: output, end: () => undefined },
      );
      const exited = o.containers.wait(id, 'next-exit');
      const kill = () => void o.containers.kill(id).catch(() => undefined);
      signal.addEventListener('abort', kill, { once: true });
      try {
        signal.throwIfAborted();
        await o.containers.start(id);
        // Cancelled while it started: the listener ran before there was a process to kill.
        if (signal.aborted) kill();
        const { exitCode } = await exited;
        await session.done;
        signal.throwIfAborted();
        return exitCode;
      } catch (err) {
        session.detach();
        throw err;
      } finally {
        signal.removeEventListener('abort', kill);
      }
    },
    withContainerRoot: (id, fn) => o.files.withRoot(id, fn),
    commitContainer: (id, input) =>
      o.commit.commitBuildStep(
        id,
        {
          config: input.config,
          containerConfig: input.containerConfig,
          ...(input.author ? { author: input.author } : {}),
        },
        input.signal,
      ),
    removeContainer: (id) => o.containers.remove(id, { force: true, volumes: true }),
    async tagImage(id, ref) {
      await (await o.images()).tag(id, ref, undefined);
    },
  };
}
