/**
 * Development aid for the pull benchmark: cold pulls interleaved with the curl|gzip|tar floor,
 * N rounds, printing each figure. `PULL_NODE_OPTIONS` is passed to the daemon's processes
 * and `ROOTLESSD_ENGINE_CPU_PROF=DIR` too (the engine then writes V8 CPU profiles to DIR when it exits).
 *   node --import tsx bench/pull/loop.ts [ROUNDS]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushMinbase } from '../../test/fixtures/images.js';
import { startRegistry } from '../../test/fixtures/registry.js';
import { dockerOk, startDaemon } from '../../test/helpers/index.js';
import { runAsUser } from '../../test/helpers/test-user.js';

const rounds = Number(process.argv[2] ?? 3);
const registry = await startRegistry();
const digest = await pushMinbase(registry, 'library/debian:bookworm');
const manifest = (await (
  await fetch(`${registry.url}/v2/library/debian/manifests/${digest}`, {
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  })
).json()) as { layers: { digest: string; size: number }[] };
const nodeOptions = process.env.PULL_NODE_OPTIONS;
const prof = process.env.ROOTLESSD_ENGINE_CPU_PROF;
const daemon = await startDaemon({
  env: {
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    ...(prof ? { ROOTLESSD_ENGINE_CPU_PROF: prof } : {}),
  },
});
/** utime+stime in ms of a process (all its threads), from /proc/PID/stat; its children too. */
function cpuMs(pid: number | undefined): [number, number] {
  if (!pid) return [0, 0];
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return [Number(f[11]) * 10, Number(f[12]) * 10];
  } catch {
    return [0, 0];
  }
}
// The floor extracts under a folder with `chattr +T`, as the layer store does (see run.ts).
const floorRoot = join(daemon.base, 'floor');
await runAsUser(daemon.user, 'mkdir', ['-p', floorRoot], daemon.cliEnv, {});
await runAsUser(daemon.user, 'chattr', ['+T', floorRoot], daemon.cliEnv, {});
const ms = (t: bigint) => Math.round(Number(process.hrtime.bigint() - t) / 1e6);
try {
  const ref = `${registry.host}/library/debian:bookworm`;
  for (let i = 0; i < rounds; i++) {
    const engine = daemon.pids().engine;
    const cpu0 = cpuMs(engine);
    let t = process.hrtime.bigint();
    await dockerOk(daemon, ['pull', '-q', ref], { timeoutMs: 600_000 });
    const cold = ms(t);
    const cpu1 = cpuMs(engine);
    const coldCpu = `${cpu1[0] - cpu0[0]}u+${cpu1[1] - cpu0[1]}s`;
    await dockerOk(daemon, ['rmi', ref]);
    const dir = join(floorRoot, `tar-${i}`);
    const urls = manifest.layers.map((l) => `${registry.url}/v2/library/debian/blobs/${l.digest}`);
    const script = `mkdir -p ${dir} && for u in ${urls.join(' ')}; do curl -sSfL "$u" | gzip -d | tar -x -C ${dir} || exit 1; done`;
    t = process.hrtime.bigint();
    const r = await runAsUser(
      daemon.user,
      '/usr/bin/time',
      ['-f', '%U %S', 'sh', '-c', script],
      daemon.cliEnv,
      {},
    );
    if (r.exitCode !== 0) throw new Error(r.stderr);
    const curl = ms(t);
    const [u, s] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    const curlCpu = `${Math.round((u ?? 0) * 1000)}u+${Math.round((s ?? 0) * 1000)}s`;
    await runAsUser(daemon.user, 'rm', ['-rf', dir], daemon.cliEnv, {});
    console.log(
      `round ${i}: cold ${cold} ms (engine cpu ${coldCpu} ms), curl|gzip|tar ${curl} ms (cpu ${curlCpu} ms)`,
    );
  }
} finally {
  await daemon.stop();
  await registry.stop();
}
