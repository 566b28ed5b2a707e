import type { EventMessage, EventType } from '../../types/index.js';

export interface PublishEvent {
  type: EventType;
  action: string;
  actor: { id: string; attributes?: Record<string, string> };
  scope?: 'local' | 'swarm';
}

export type EventListener = (event: EventMessage) => void;

export interface EventStreamOptions {
  /** Nanoseconds since the epoch; replay recorded events from then on. */
  sinceNs?: number;
  /** Nanoseconds since the epoch; stop after this moment. */
  untilNs?: number;
  match?: (event: EventMessage) => boolean;
}

const DEFAULT_CAPACITY = 1024;

const clockBase = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** Nanoseconds since the epoch from a monotonic clock: ordered, and never ahead of now. */
export function nowNs(): number {
  return Number(clockBase + process.hrtime.bigint());
}

/**
 * The engine's event bus: every module publishes here; GET /events reads from it. Keeps
 * the last `capacity` events in a ring for `since`.
 */
export class EventBus {
  private readonly ring: EventMessage[] = [];
  private readonly listeners = new Set<EventListener>();
  private lastNs = 0;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Stamps an event, records it and hands it to every subscriber. Never throws. */
  publish(input: PublishEvent): EventMessage {
    const attributes = { ...(input.actor.attributes ?? {}) };
    let ns = nowNs();
    if (ns <= this.lastNs) ns = this.lastNs + 1;
    this.lastNs = ns;
    const event: EventMessage = {
      Type: input.type,
      Action: input.action,
      Actor: { ID: input.actor.id, Attributes: attributes },
      scope: input.scope ?? 'local',
      time: Math.floor(ns / 1e9),
      timeNano: ns,
    };
    if (input.type === 'container' || input.type === 'image') {
      event.status = input.action;
      event.id = input.actor.id;
      if (input.type === 'container' && attributes.image !== undefined) event.from = attributes.image;
    }
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A subscriber's failure is its own; the publisher carries on.
      }
    }
    return event;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** Recorded events, oldest first. */
  history(): readonly EventMessage[] {
    return this.ring;
  }

  /**
   * Recorded events from `sinceNs`, then live ones, until `untilNs` or the signal. With
   * `untilNs` in the past the stream ends after the replay.
   */
  async *stream(options: EventStreamOptions, signal: AbortSignal): AsyncGenerator<EventMessage> {
    const match = options.match ?? (() => true);
    const until = options.untilNs;
    const queue: EventMessage[] = [];
    let wake: (() => void) | undefined;
    const nudge = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    // Subscribe and snapshot in the same tick so no event is missed or doubled.
    const unsubscribe = this.subscribe((event) => {
      queue.push(event);
      nudge();
    });
    const replay =
      options.sinceNs === undefined ? [] : this.ring.filter((e) => e.timeNano >= (options.sinceNs ?? 0));
    const onAbort = () => nudge();
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      for (const event of replay) {
        if (until !== undefined && event.timeNano > until) return;
        if (match(event)) yield event;
      }
      if (until !== undefined && until <= nowNs()) return;
      while (!signal.aborted) {
        const event = queue.shift();
        if (event === undefined) {
          if (until !== undefined) {
            const left = until - nowNs();
            if (left <= 0) return;
            // Re-armed at every wait: a timer may fire a little early by the wall clock, or
            // while an event was being written (its nudge then woke no one).
            if (timer) clearTimeout(timer);
            timer = setTimeout(nudge, Math.ceil(left / 1e6) + 1);
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          continue;
        }
        if (until !== undefined && event.timeNano > until) return;
        if (match(event)) yield event;
      }
    } finally {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
    }
  }
}
