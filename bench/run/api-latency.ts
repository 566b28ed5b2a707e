/**
 * The engine's share of the run bench's figures: the same operations through the Engine API by
 * dockerode (one client process that stays up, as an SDK user has), and the docker CLI's own
 * cost on this machine (`docker --version` asks the daemon nothing; `docker version` makes one
 * round trip). The CLI figures minus these are the CLI's start-up and exit.
 */
import type { Daemon } from '../../test/helpers/index.js';
import { dockerode } from '../../test/helpers/index.js';
import { cliOk, stats } from './cli.js';

async function timedMs(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * `docker run --rm --network none busybox true` as the CLI does it, by dockerode: create with
 * AutoRemove, wait for `removed` (asked before the start), start, the wait's answer.
 */
async function apiRunRm(d: Daemon, image: string): Promise<void> {
  const api = dockerode(d);
  const c = await api.createContainer({
    Image: image,
    Cmd: ['true'],
    HostConfig: { AutoRemove: true, NetworkMode: 'none' },
  });
  const removed = c.wait({ condition: 'removed' });
  await c.start();
  const r = (await removed) as { StatusCode: number };
  if (r.StatusCode !== 0) throw new Error(`exit ${r.StatusCode}`);
}

/** `docker exec C true` by dockerode: create, start (attached, hijacked), output's end, inspect. */
async function apiExec(d: Daemon, container: string): Promise<void> {
  const exec = await dockerode(d)
    .getContainer(container)
    .exec({ Cmd: ['true'], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
    stream.resume();
  });
  const info = await exec.inspect();
  if (info.ExitCode !== 0) throw new Error(`exec exit ${info.ExitCode}`);
}

export interface ApiFigures {
  cliVersionOnly: ReturnType<typeof stats> & { command: string };
  cliOneRoundTrip: ReturnType<typeof stats> & { command: string };
  apiRunRmNetworkNone: ReturnType<typeof stats> & { how: string };
  apiExecTrue: ReturnType<typeof stats> & { how: string };
}

/** Medians of `runs` of each; `container` is a running container to exec into. */
export async function apiFigures(
  d: Daemon,
  image: string,
  container: string,
  runs: number,
): Promise<ApiFigures> {
  const cliSamples = async (args: string[]) => {
    const out: number[] = [];
    for (let i = 0; i < runs; i++) out.push((await cliOk(d, args)).ms);
    return out;
  };
  const apiSamples = async (fn: () => Promise<void>) => {
    await fn();
    const out: number[] = [];
    for (let i = 0; i < runs; i++) out.push(await timedMs(fn));
    return out;
  };
  return {
    cliVersionOnly: { command: 'docker --version', ...stats(await cliSamples(['--version'])) },
    cliOneRoundTrip: { command: 'docker version', ...stats(await cliSamples(['version'])) },
    apiRunRmNetworkNone: {
      how: 'dockerode: create (AutoRemove, NetworkMode none), wait condition=removed, start, the wait answer',
      ...stats(await apiSamples(() => apiRunRm(d, image))),
    },
    apiExecTrue: {
      how: 'dockerode: exec create, start (hijacked, attached), end of output, exec inspect',
      ...stats(await apiSamples(() => apiExec(d, container))),
    },
  };
}
