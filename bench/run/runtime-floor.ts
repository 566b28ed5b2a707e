/**
 * The OCI runtime's own cost on this machine: `crun run` (or runc) of a running container's own
 * bundle — rootlessd's spec, the image's layers as the overlay's lower layers, `true` as the
 * command — straight from a shell inside the daemon's namespaces (the holder's user and mount
 * namespaces, root there), without the engine, conmon or the CLI. With the CLI's floor
 * (cli-floor.ts) it is what `docker run --rm` costs before any of rootlessd's work.
 *   Used by run.ts; needs a running container of the daemon.
 */
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Daemon } from '../../test/helpers/index.js';
import { runAsUser, stats } from './cli.js';

/** The lowerdir of the overlay mounted at `target` in `pid`'s mount namespace. */
function lowerDirOf(pid: number, target: string): string {
  for (const line of readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (left?.split(' ')[4] !== target) continue;
    const lower = /(?:^|,)lowerdir=([^,]+)/.exec(right?.split(' ')[2] ?? '')?.[1];
    if (lower) return lower;
  }
  throw new Error(`no overlay at ${target} in ${pid}'s mount namespace`);
}

const SCRIPT = `set -e
B=$1; RUNTIME=$2; N=$3; LOWER=$4
mkdir -p $B/root $B/rootfs
for i in $(seq 0 $N); do
  rm -rf $B/up $B/work; mkdir -p $B/up $B/work
  mount -t overlay overlay -o lowerdir=$LOWER,upperdir=$B/up,workdir=$B/work $B/rootfs
  a=$(date +%s%N)
  $RUNTIME --root=$B/root run -b $B floor$i </dev/null >/dev/null
  b=$(date +%s%N)
  umount $B/rootfs
  [ $i -gt 0 ] && echo $(( (b - a) / 1000 ))
done
`;

/** `runs` timings (ms) of `<runtime> run` of container `id`'s bundle running `true`. */
export async function runtimeFloor(
  d: Daemon,
  id: string,
  runtime: string,
  runs: number,
): Promise<{ how: string } & ReturnType<typeof stats>> {
  const { holder, engine } = d.pids();
  if (!holder || !engine) throw new Error('runtime floor: no holder or engine pid');
  const bundle = join(d.paths.base, 'c', id);
  const lower = lowerDirOf(engine, join(bundle, 'rootfs'));
  const dir = mkdtempSync(join(d.runtimeDir, 'runtime-floor-'));
  try {
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as {
      root: { path: string };
      process: { args: string[]; terminal?: boolean };
    };
    spec.root.path = join(dir, 'rootfs');
    spec.process.args = ['true'];
    spec.process.terminal = false;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
    writeFileSync(join(dir, 'floor.sh'), SCRIPT);
    chownSync(dir, d.user.uid, d.user.gid);
    for (const f of ['config.json', 'floor.sh']) chownSync(join(dir, f), d.user.uid, d.user.gid);
    const binary = runtime === 'crun' ? '/usr/bin/crun' : '/usr/sbin/runc';
    const args = ['-t', String(holder), '-U', '-m', '--preserve-credentials', '-S', '0', '-G', '0'];
    const r = await runAsUser(
      d,
      '/usr/bin/nsenter',
      [...args, 'bash', join(dir, 'floor.sh'), dir, binary, String(runs), lower],
      { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    );
    if (r.code !== 0) throw new Error(`runtime floor: exit ${r.code}: ${r.stderr.trim()}`);
    const ms = r.stdout
      .trim()
      .split('\n')
      .map((l) => Number(l) / 1000);
    return {
      how: `${runtime} run of a container's own bundle (its spec and image layers, command true), from a shell in the holder's user and mount namespaces: no engine, conmon or CLI (bench/run/runtime-floor.ts)`,
      ...stats(ms),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
