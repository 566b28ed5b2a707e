/**
 * glibc's malloc_trim(0) through our native addon (native/malloc-trim.c, built into
 * dist/native/ by `npm run build`): it gives the free pages of every malloc arena back to the
 * kernel. Where the addon is missing (no C compiler, or musl) nothing is trimmed.
 */

import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { loadAddon } from './native-addon.js';

interface Addon {
  trim(): boolean;
}

const load = () => loadAddon<Addon>('malloc-trim');

/** True when memory was given back; false when there was none or the addon is missing. */
export function mallocTrim(): boolean {
  return load()?.trim() ?? false;
}

/** V8's `gc()` when the process runs with `--expose-gc`. */
function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as () => void) : undefined;
}

/** Free bytes inside the old generation's pages (dead objects' room that V8 keeps mapped). */
function oldSpaceFree(): number {
  const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
  return old ? old.space_size - old.space_used_size : 0;
}

/**
 * Above this much free room in the old generation after a full collection, the idle
 * collection compacts it (see idleGc).
 */
export const COMPACT_ABOVE_BYTES = 2 * 1024 * 1024;

/**
 * A full collection for an idle process, or undefined without `--expose-gc`. V8's full
 * collections free dead objects but move live ones only out of the few pages its heuristics
 * pick, so after a burst of work (a hundred containers made and removed) the old generation
 * keeps 256 KiB pages that are mostly empty: the engine's old space was 20 MiB for 13 MiB of
 * live objects. When more than COMPACT_ABOVE_BYTES is free after the first collection, a
 * second one with `--compact-on-every-full-gc` (set for that collection only) evacuates every
 * page, and the emptied pages go back to the system. The second one costs about as much as
 * moving the live heap (tens of ms for the engine's), so it runs only when there is room.
 *
 * With `flushCode`, the first collection also drops the bytecode (and its feedback) of every
 * function not running at the time (`--stress-flush-code`, set for that collection only); a
 * function called later is compiled again from its source. V8 otherwise flushes bytecode only
 * after several full collections without a call, which a quiet process never has: the
 * launcher keeps the code of its start-up (config validation, namespace set-up) for good. For
 * processes that mostly wait (the launcher); the engine's requests would compile again after
 * each quiet period.
 */
export function idleGc(
  options: { flushCode?: boolean } = {},
  gc: (() => void) | undefined = exposedGc(),
  free: () => number = oldSpaceFree,
  setFlags: (flags: string) => void = setFlagsFromString,
): (() => void) | undefined {
  if (!gc) return undefined;
  const withFlag = (flag: string) => {
    setFlags(`--${flag}`);
    try {
      gc();
    } finally {
      setFlags(`--no-${flag}`);
    }
  };
  return () => {
    if (options.flushCode) withFlag('stress-flush-code');
    else gc();
    if (free() <= COMPACT_ABOVE_BYTES) return;
    withFlag('compact-on-every-full-gc');
  };
}

/**
 * The share of wall time the event loop was busy since the previous call (0..1), from
 * performance.eventLoopUtilization.
 */
export function loopBusyMeter(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const share = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return share;
  };
}

/** Above this share of busy event loop over the quiet period, the process is not quiet. */
const BUSY_SHARE = 0.05;

/**
 * Returns memory to the system once the process has been quiet for `delayMs` after the last
 * `touch()`: a full garbage collection when `gc` is exposed (`--expose-gc`), so that freed
 * Buffers and objects go back to malloc, compacting when the old generation is mostly empty
 * room (idleGc), then malloc_trim(0). A burst of work (start-up, a pull) leaves tens of MiB in
 * malloc's arenas and V8's pages otherwise. Quiet means no touch and an event
 * loop busy less than 5 % of that time: a long request still working (a pull slower than
 * `delayMs`) postpones the trim rather than paying a full collection in its middle. The
 * timer does not keep the process alive; one trim costs a few ms, once per quiet period.
 */
export class IdleTrimmer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly delayMs = 2000,
    private readonly trim: () => unknown = mallocTrim,
    private readonly gc: (() => void) | undefined = idleGc(),
    private readonly busy: () => number = loopBusyMeter(),
  ) {}

  touch(): void {
    this.busy();
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.busy() > BUSY_SHARE) {
        this.arm();
        return;
      }
      this.gc?.();
      this.trim();
    }, this.delayMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
