import { Conflict, InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import type { ContainerService } from './container-service.js';
import type { Filters } from './list-filter.js';
import type { LiveContainer } from './live-container.js';
import { pruneMatcher } from './prune.js';
import { hostConfigOf } from './record.js';
import { parseRestartPolicy } from './restart-policy.js';
import { readStats, type StatsAnswer, type StatsSample } from './stats.js';
import { containerTop, type TopAnswer } from './top.js';

const log = moduleLogger('container-ops');

/** Resource fields of POST /containers/{id}/update that need a delegated cgroup. */
const LIMIT_FIELDS = [
  'CpuShares',
  'Memory',
  'CgroupParent',
  'BlkioWeight',
  'BlkioWeightDevice',
  'BlkioDeviceReadBps',
  'BlkioDeviceWriteBps',
  'BlkioDeviceReadIOps',
  'BlkioDeviceWriteIOps',
  'CpuPeriod',
  'CpuQuota',
  'CpuRealtimePeriod',
  'CpuRealtimeRuntime',
  'CpusetCpus',
  'CpusetMems',
  'Devices',
  'DeviceCgroupRules',
  'DeviceRequests',
  'KernelMemoryTCP',
  'MemoryReservation',
  'MemorySwap',
  'MemorySwappiness',
  'NanoCpus',
  'OomKillDisable',
  'PidsLimit',
  'Ulimits',
  'CpuCount',
  'CpuPercent',
  'IOMaximumIOps',
  'IOMaximumBandwidth',
];

export interface UpdateRequest {
  RestartPolicy?: { Name?: string | null; MaximumRetryCount?: number | null } | null;
  [key: string]: unknown;
}

/** prune, top, stats, pause/unpause and update over the ContainerService. */
export class ContainerOps {
  constructor(private readonly containers: ContainerService) {}

  async prune(filters: Filters): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const match = pruneMatcher(filters);
    const deleted: string[] = [];
    for (const id of this.containers.ids()) {
      const c = this.containers.get(id);
      if (!match(c)) continue;
      try {
        await this.containers.remove(id, {});
        deleted.push(id);
      } catch (err) {
        log.warn({ err, id }, 'prune could not remove container');
      }
    }
    // The size of a container's writable layer is not measured yet: nothing is claimed.
    return { ContainersDeleted: deleted, SpaceReclaimed: 0 };
  }

  async top(ref: string, psArgs: string | undefined): Promise<TopAnswer> {
    const c = this.containers.get(ref);
    if (!c.running) throw new Conflict(`Container ${c.id} is not running`);
    return containerTop(c.state.pid, psArgs);
  }

  /** One reading (one-shot), two a second apart (stream=false: precpu filled), or a stream every second. */
  async *stats(
    ref: string,
    options: { stream: boolean; oneShot: boolean },
    signal: AbortSignal,
  ): AsyncGenerator<StatsAnswer> {
    const c = this.containers.get(ref);
    const view = () => ({ id: c.id, name: c.record.name, pid: c.state.pid, running: c.running });
    let previous: StatsSample | undefined;
    if (!options.stream && !options.oneShot && c.running) {
      previous = (await readStats(view(), undefined)).sample;
      await sleep(1000, signal);
    }
    for (;;) {
      if (signal.aborted) return;
      const { answer, sample } = await readStats(view(), previous);
      yield answer;
      if (!options.stream) return;
      previous = sample;
      await sleep(1000, signal);
    }
  }

  pause(ref: string): never {
    const c = this.containers.get(ref);
    throw new Conflict(pauseMessage(c, 'pause'));
  }

  unpause(ref: string): never {
    const c = this.containers.get(ref);
    throw new Conflict(pauseMessage(c, 'unpause'));
  }

  async update(ref: string, req: UpdateRequest): Promise<{ Warnings: string[] }> {
    const c = this.containers.get(ref);
    const warnings: string[] = [];
    for (const key of LIMIT_FIELDS) {
      const v = req[key];
      if (v === undefined || v === null || v === 0 || v === '' || (Array.isArray(v) && v.length === 0))
        continue;
      warnings.push(
        `${key} discarded: resource limits cannot be applied by a rootless daemon without cgroup delegation.`,
      );
    }
    if (req.RestartPolicy && (req.RestartPolicy.Name ?? '') !== '') {
      const policy = parseRestartPolicy(req.RestartPolicy);
      if (hostConfigOf(c.record).AutoRemove && policy.name !== 'no')
        throw new InvalidParameter(
          'Restart policy cannot be updated because AutoRemove is enabled for the container',
        );
      c.record = {
        ...c.record,
        hostConfig: {
          ...c.record.hostConfig,
          RestartPolicy: { Name: policy.name, MaximumRetryCount: policy.maximumRetryCount },
        },
      };
      await c.saveRecord();
    }
    return { Warnings: warnings };
  }
}

function pauseMessage(c: LiveContainer, verb: string): string {
  return `Cannot ${verb} container ${c.id}: the cgroup freezer is not available to a rootless daemon without cgroup v2 delegation`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
