import { EventBus } from '../../engine/events/bus.js';
import { compileEventFilter } from '../../engine/events/filter.js';
import { parseEventTimestamp } from '../../engine/events/timestamp.js';
import type { SystemInfo, SystemVersion } from '../../types/index.js';
import type { Backends } from '../backends.js';

/** Backends for route tests: fixed answers and a real event bus. */
export function fakeBackends(): Backends & { bus: EventBus } {
  const bus = new EventBus(16);
  return {
    bus,
    system: {
      ping: () => ({ experimental: false }),
      version: async () => ({ Version: '0.0.0-test', ApiVersion: '1.51' }) as SystemVersion,
      info: async () => ({ ID: 'test-id', Containers: 0 }) as SystemInfo,
      dataUsage: async () => ({ LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] }),
      pruneBuildCache: async () => ({ CachesDeleted: [], SpaceReclaimed: 0 }),
    },
    events: {
      subscribeEvents: (query, signal) => {
        const match = compileEventFilter(query.filters);
        const sinceNs = query.since ? parseEventTimestamp(query.since, 'since') : undefined;
        const untilNs = query.until ? parseEventTimestamp(query.until, 'until') : undefined;
        return bus.stream({ sinceNs, untilNs, match }, signal);
      },
    },
  };
}
