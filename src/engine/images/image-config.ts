import { z } from 'zod';
import { lazySchema } from '../../types/lazy-schema.js';

/** The container configuration part of an image config (Docker's `config`). */
const ContainerConfigSchema = lazySchema(() =>
  z
    .object({
      Hostname: z.string().optional(),
      Domainname: z.string().optional(),
      User: z.string().optional(),
      AttachStdin: z.boolean().optional(),
      AttachStdout: z.boolean().optional(),
      AttachStderr: z.boolean().optional(),
      ExposedPorts: z.record(z.string(), z.object({}).passthrough()).nullish(),
      Tty: z.boolean().optional(),
      OpenStdin: z.boolean().optional(),
      StdinOnce: z.boolean().optional(),
      Env: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      Healthcheck: z.record(z.string(), z.unknown()).nullish(),
      ArgsEscaped: z.boolean().optional(),
      Image: z.string().optional(),
      Volumes: z.record(z.string(), z.object({}).passthrough()).nullish(),
      WorkingDir: z.string().optional(),
      Entrypoint: z.array(z.string()).nullish(),
      OnBuild: z.array(z.string()).nullish(),
      Labels: z.record(z.string(), z.string()).nullish(),
      StopSignal: z.string().optional(),
      StopTimeout: z.number().optional(),
      Shell: z.array(z.string()).nullish(),
    })
    .passthrough(),
);
export type ImageContainerConfig = z.infer<typeof ContainerConfigSchema>;

const HistorySchema = lazySchema(() =>
  z
    .object({
      created: z.string().optional(),
      created_by: z.string().optional(),
      author: z.string().optional(),
      comment: z.string().optional(),
      empty_layer: z.boolean().optional(),
    })
    .passthrough(),
);
export type ImageHistoryEntry = z.infer<typeof HistorySchema>;

/** An OCI / Docker image config file (the blob whose digest is the image id). */
export const ImageConfigFileSchema = lazySchema(() =>
  z
    .object({
      architecture: z.string().default(''),
      os: z.string().default(''),
      variant: z.string().optional(),
      'os.version': z.string().optional(),
      created: z.string().optional(),
      author: z.string().optional(),
      comment: z.string().optional(),
      docker_version: z.string().optional(),
      parent: z.string().optional(),
      config: ContainerConfigSchema.optional(),
      container_config: ContainerConfigSchema.optional(),
      rootfs: z.object({ type: z.string(), diff_ids: z.array(z.string()).default([]) }),
      history: z.array(HistorySchema).optional(),
    })
    .passthrough(),
);
export type ImageConfigFile = z.infer<typeof ImageConfigFileSchema>;

/** Parses config bytes; throws a ZodError / SyntaxError for something that is not one. */
export function parseImageConfig(bytes: Uint8Array): ImageConfigFile {
  return ImageConfigFileSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
}
