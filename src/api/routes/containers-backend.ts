import type { ContainerCreateRequest, ContainerCreateResponse } from '../../types/container-create.js';
import type { ContainerInspect, ContainerSummary } from '../../types/container-inspect.js';
import type { Filters } from '../query.js';

export interface ContainerLogQuery {
  stdout: boolean;
  stderr: boolean;
  follow: boolean;
  since: number;
  until: number;
  tail?: number;
  timestamps: boolean;
}

export interface ContainerLogChunk {
  stream: 'stdout' | 'stderr';
  timestamp: string;
  data: Buffer;
}

export interface ContainerAttachSink {
  write(stream: 'stdout' | 'stderr', data: Buffer): void;
  end(): void;
}

export interface ContainerAttachSession {
  ready: Promise<void>;
  writeStdin(data: Buffer): void;
  closeStdin(): void;
  done: Promise<void>;
  detach(): void;
}

/** What /containers/* needs from the engine. Errors are errdefs kinds. */
export interface ContainersBackend {
  /** `platform`: the client's `--platform`; an image of another platform is 404 (Docker's message). */
  create(
    req: ContainerCreateRequest,
    name: string | undefined,
    platform?: string,
  ): Promise<ContainerCreateResponse>;
  list(options: {
    all: boolean;
    limit?: number;
    filters: Filters;
    /** `size=1`: SizeRw and SizeRootFs computed (a walk of each writable layer). */
    size?: boolean;
  }): ContainerSummary[] | Promise<ContainerSummary[]>;
  inspect(ref: string): ContainerInspect;
  /** `GET /containers/{id}/json?size=1`: SizeRw and SizeRootFs. */
  sizes?(ref: string): Promise<{ SizeRw: number; SizeRootFs: number }>;
  start(ref: string): Promise<void>;
  stop(ref: string, options: { timeout?: number; signal?: string }): Promise<void>;
  restart(ref: string, options: { timeout?: number; signal?: string }): Promise<void>;
  kill(ref: string, signal?: string): Promise<void>;
  /** Throws at once (404) when the container is unknown; the promise is the exit. */
  wait(
    ref: string,
    condition: 'not-running' | 'next-exit' | 'removed',
    signal?: AbortSignal,
  ): Promise<{ exitCode: number; error?: string }>;
  remove(ref: string, options: { force?: boolean; volumes?: boolean }): Promise<void>;
  rename(ref: string, name: string): Promise<void>;
  resize(ref: string, height: number, width: number): Promise<void>;
  logs(
    ref: string,
    options: ContainerLogQuery,
    signal: AbortSignal,
  ): { tty: boolean; chunks: AsyncIterable<ContainerLogChunk[]> };
  attach(
    ref: string,
    /** `detachKeys` in Docker's syntax (empty: ctrl-p,ctrl-q); invalid keys throw at once (400). */
    options: { stdin: boolean; stdout: boolean; stderr: boolean; detachKeys?: string },
    sink: ContainerAttachSink,
  ): { tty: boolean; session: ContainerAttachSession };
}
