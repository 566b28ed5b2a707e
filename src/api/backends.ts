import type { EventMessage, SystemDataUsage, SystemInfo, SystemVersion } from '../types/index.js';
import type { Filters } from './query.js';

/** What /_ping needs to know. */
export interface PingInfo {
  experimental: boolean;
}

export interface SystemBackend {
  ping(): PingInfo;
  version(signal?: AbortSignal): Promise<SystemVersion>;
  info(signal?: AbortSignal): Promise<SystemInfo>;
  dataUsage(options: { types: string[] }, signal?: AbortSignal): Promise<SystemDataUsage>;
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

/** Every backend the API server calls. The engine's Daemon implements them all. */
export interface Backends {
  system: SystemBackend;
  events: EventsBackend;
}
