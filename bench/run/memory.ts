/**
 * Idle memory of the daemon tree, per process: VmRSS, and from /proc/PID/smaps_rollup the
 * proportional set size (shared pages, such as node's own code, divided among the processes
 * mapping them) and the anonymous memory (heaps); in total also the tree's footprint (each
 * process's anonymous memory, each mapped file's pages once: what PSS sums to when nothing else
 * maps node; see treeFootprintKiB). Measured 5 s after start, then 5 s after a pull of the
 * Debian minbase image and `docker run --rm busybox true`, each followed by the footprint every
 * 5 s for 30 s and the tree again once settled (V8's memory reducer runs in each Node process
 * about 8 s after its last full collection; see footprintSeries).
 *   node --import tsx bench/run/memory.ts
 * MEM_MAIN=<another build's dist/cli/main.js> measures that build instead.
 */
import { pushBusybox, pushMinbase } from '../../test/fixtures/images.js';
import { startRegistry } from '../../test/fixtures/registry.js';
import { dockerOk, startDaemon } from '../../test/helpers/index.js';
import { sleep } from '../../test/helpers/proc.js';
import { footprintSeries, printTreeMemory } from './cli.js';

const registry = await startRegistry();
await pushBusybox(registry);
await pushMinbase(registry, 'library/debian:bookworm');
// MEM_DAEMON_ENV: extra environment for the launcher, as JSON (e.g. {"MALLOC_ARENA_MAX": "2"}).
const daemon = await startDaemon({
  ...(process.env.MEM_MAIN ? { main: process.env.MEM_MAIN } : {}),
  env: JSON.parse(process.env.MEM_DAEMON_ENV ?? '{}') as Record<string, string>,
});
try {
  await sleep(5000);
  printTreeMemory(daemon, 'after start');
  console.log('footprint after start, every 5 s:', JSON.stringify(await footprintSeries(daemon)));
  printTreeMemory(daemon, 'after start, settled');
  await dockerOk(daemon, ['pull', '-q', `${registry.host}/library/debian:bookworm`], { timeoutMs: 600_000 });
  await dockerOk(daemon, ['pull', '-q', `${registry.host}/library/busybox:latest`]);
  await dockerOk(daemon, ['run', '--rm', `${registry.host}/library/busybox:latest`, 'true']);
  await sleep(5000);
  printTreeMemory(daemon, 'after pull + run');
  console.log('footprint after pull + run, every 5 s:', JSON.stringify(await footprintSeries(daemon)));
  printTreeMemory(daemon, 'after pull + run, settled');
} finally {
  await daemon.stop();
  await registry.stop();
}
