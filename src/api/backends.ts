import type {
  ImageDeleteItem,
  ImageHistoryItem,
  ImageInspect,
  ImagePruneReport,
  ImageSummary,
} from '../types/image.js';
import type { EventMessage, SystemDataUsage, SystemInfo, SystemVersion } from '../types/index.js';
import type { Filters } from './query.js';
import type { AuthBackend } from './routes/auth.js';
import type { BuildBackend } from './routes/build.js';
import type { CommitBackend } from './routes/commit.js';
import type { ContainersBackend } from './routes/containers-backend.js';
import type { ContainerFilesBackend } from './routes/containers-files.js';
import type { ContainerOpsBackend } from './routes/containers-ops.js';
import type { ImageTransferBackend } from './routes/images-transfer.js';
import type { NetworksBackend } from './routes/networks.js';
import type { VolumesBackend } from './routes/volumes.js';

/** What /_ping needs to know. */
export interface PingInfo {
  experimental: boolean;
}

export interface SystemBackend {
  ping(): PingInfo;
  version(signal?: AbortSignal): Promise<SystemVersion>;
  info(signal?: AbortSignal): Promise<SystemInfo>;
  dataUsage(options: { types: string[] }, signal?: AbortSignal): Promise<SystemDataUsage>;
  /** POST /build/prune (`docker builder prune`, the last step of `docker system prune`). */
  pruneBuildCache(): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
}

export interface EventsQuery {
  /** Raw `since` / `until` as the client sent them (Docker's timestamp forms). */
  since?: string;
  until?: string;
  filters: Filters;
}

export interface EventsBackend {
  /**
   * The matching events: those recorded since `since`, then live ones until `until` (or
   * until the signal aborts). Ends at once when `until` is in the past. Must throw
   * synchronously for a bad query (unknown filter, malformed time) so that the answer is a
   * 400 and not a stream.
   */
  subscribeEvents(query: EventsQuery, signal: AbortSignal): AsyncIterable<EventMessage>;
}

/** One pull as the API starts it: fails before any output, then streams Docker's messages. */
export interface PullStart {
  messages: AsyncIterable<ImageProgressMessage>;
}

export interface ImageProgressMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  errorDetail?: { message: string };
  error?: string;
  aux?: unknown;
}

export interface ImagesBackend {
  /** POST /images/create?fromImage=: resolves the manifest (errors reject), then streams. */
  pull(
    query: { fromImage: string; tag?: string; platform?: string; registryAuth?: string },
    signal: AbortSignal,
  ): Promise<PullStart>;
  list(query: {
    all: boolean;
    digests: boolean;
    filters: Filters;
    sharedSize: boolean;
    containers: boolean;
  }): Promise<ImageSummary[]>;
  inspect(name: string): Promise<ImageInspect>;
  history(name: string): Promise<ImageHistoryItem[]>;
  /** POST /images/{name}/tag (the caller answers 201). */
  tag(name: string, repo: string, tag: string | undefined): Promise<void>;
  remove(name: string, options: { force: boolean; noprune: boolean }): Promise<ImageDeleteItem[]>;
  prune(filters: Filters): Promise<ImagePruneReport>;
}

/** POST /containers/{id}/exec, as validated by the route. */
export interface ExecCreateConfig {
  Cmd: string[];
  Env: string[];
  WorkingDir: string;
  User: string;
  Tty: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Privileged: boolean;
  DetachKeys: string;
  ConsoleSize?: [number, number];
}

export interface ExecInspectAnswer {
  CanRemove: boolean;
  DetachKeys: string;
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: { arguments: string[]; entrypoint: string; privileged: boolean; tty: boolean; user: string };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  ContainerID: string;
  Pid: number;
}

export interface ExecSink {
  write(stream: 'stdout' | 'stderr', data: Buffer): void;
}

export interface ExecSession {
  /** Whether the client's bytes go to the process's stdin. */
  stdin: boolean;
  tty: boolean;
  writeStdin(data: Buffer): void;
  closeStdin(): void;
  /** Resolves once the process ended and its exit code is recorded (rejects when it cannot start). */
  done: Promise<void>;
  /** The client went away: the process keeps running. */
  detach(): void;
  /** Resolves when the client typed the detach sequence (the stream then ends; the process runs on). */
  detached?: Promise<void>;
}

/** /containers/{id}/exec and /exec/*. Errors are errdefs kinds. */
export interface ExecBackend {
  create(containerRef: string, config: ExecCreateConfig): Promise<{ Id: string }>;
  /**
   * Throws at once (404 unknown, 409 already started or container not running). With
   * `detach` the process runs in the background and the sink is unused.
   */
  start(execId: string, options: { detach: boolean; tty?: boolean }, sink: ExecSink): ExecSession;
  resize(execId: string, height: number, width: number): Promise<void>;
  inspect(execId: string): ExecInspectAnswer;
}

/** Every backend the API server calls. The engine's Daemon implements them all. */
export interface Backends {
  system: SystemBackend;
  events: EventsBackend;
  /** Present once the images module is wired. */
  images?: ImagesBackend;
  /** Present once the containers module is wired. */
  containers?: ContainersBackend;
  /** docker cp (archive), export, diff (changes). */
  containerFiles?: ContainerFilesBackend;
  /** POST /commit. */
  commit?: CommitBackend;
  /** POST /build (the classic builder). */
  build?: BuildBackend;
  /** Push, save, load, import, distribution inspect, search. */
  imageTransfer?: ImageTransferBackend;
  /** POST /auth. */
  auth?: AuthBackend;
  /** /networks/*. */
  networks?: NetworksBackend;
  /** /volumes/*. */
  volumes?: VolumesBackend;
  /** /containers/{id}/exec, /exec/*. */
  exec?: ExecBackend;
  /** /containers/prune, top, stats, pause/unpause, update. */
  containerOps?: ContainerOpsBackend;
}
