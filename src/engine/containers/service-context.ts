import type { EventBus } from '../events/bus.js';
import type { ContainerRegistry } from './container-registry.js';
import type { HealthMonitor } from './health-monitor.js';
import type { ImageLookup } from './image-lookup.js';
import type { LiveContainer } from './live-container.js';
import type { LogDefaults } from './log-config.js';
import type { LogRotator } from './log-rotation.js';
import type { RestartSupervisor } from './restart-supervisor.js';
import type { RuntimeContext } from './start-container.js';

export interface ContainerServiceOptions extends RuntimeContext {
  bus: EventBus;
  images: ImageLookup;
  driverName: () => Promise<string>;
  /** daemon.json `log-driver` and `log-opts`. */
  logDefaults?: () => LogDefaults;
}

/** What the ContainerService shares with the modules it delegates its actions to. */
export interface ServiceContext {
  readonly o: ContainerServiceOptions;
  readonly registry: ContainerRegistry;
  readonly restarts: RestartSupervisor;
  readonly health: HealthMonitor;
  readonly logRotation: LogRotator;
  /** A `container` event on the bus, with the container's labels, image and name. */
  publish(c: LiveContainer, action: string, extra?: Record<string, string>): void;
}
