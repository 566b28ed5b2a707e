/**
 * Network benchmark (issue 6). Needs iperf3 on the host: `apt-get install -y iperf3` (done by hand
 * for the bench only; it is not in .ci/run). The host's iperf3 runs inside busybox containers by
 * bind-mounting it with its libraries (/usr/bin/iperf3, /usr/lib/x86_64-linux-gnu, /usr/lib64).
 * Throughput (iperf3 -t SECONDS, one TCP stream, receiver's bits/s):
 *   - host loopback (the reference)
 *   - host → a published port (-p 127.0.0.1:P:5201) of a container
 *   - container → container on one user-defined bridge
 *   - container → host, through slirp4netns's host gateway 10.0.2.2 (the networks module has no
 *     --add-host host-gateway yet)
 * Latency: a small HTTP GET (new connection each time, node http client) to busybox httpd in a
 * container through a published port, vs the same httpd on host loopback (median of 200 each,
 * the two asked in turn).
 * Writes bench/results/net.json.   Run: node scripts/bench.mjs net
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushBusybox } from '../../test/fixtures/images.js';
import { freePort, startRegistry } from '../../test/fixtures/registry.js';
import { type Daemon, sleep, startDaemon } from '../../test/helpers/index.js';
import { cli, cliOk, machine, median, round } from '../run/cli.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const SECONDS = Number(process.env.BENCH_IPERF_SECONDS ?? 5);
const LATENCY_RUNS = 200;
const IPERF = '/usr/bin/iperf3';
if (!existsSync(IPERF)) {
  console.error(`bench net: ${IPERF} is missing; install it first (as root: apt-get install -y iperf3)`);
  process.exit(1);
}
const MOUNTS = [
  '-v',
  `${IPERF}:/bin/iperf3:ro`,
  '-v',
  '/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:ro',
  '-v',
  '/usr/lib64:/lib64:ro',
];

interface IperfJson {
  end?: { sum_received?: { bits_per_second: number }; sum_sent?: { bits_per_second: number } };
  error?: string;
}

function gbits(out: string): number {
  const j = JSON.parse(out) as IperfJson;
  if (j.error) throw new Error(`iperf3: ${j.error}`);
  return round((j.end?.sum_received?.bits_per_second ?? 0) / 1e9, 2);
}

function hostProc(file: string, args: string[]): ChildProcess {
  return spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function hostRun(file: string, args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const c = hostProc(file, args);
    let out = '';
    let err = '';
    c.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    c.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    c.on('error', rej);
    c.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`${file} exited ${code}: ${err}${out}`))));
  });
}

async function waitTcp(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

function get(port: number): Promise<number> {
  const t = process.hrtime.bigint();
  return new Promise((res, rej) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/index.html', agent: false }, (r) => {
      r.resume();
      r.on('end', () => res(Number(process.hrtime.bigint() - t) / 1e6));
    });
    req.on('error', rej);
  });
}

interface Latency {
  medianMs: number;
  p90Ms: number;
  n: number;
}

async function warmUp(port: number): Promise<void> {
  // A published port accepts before the server in the container listens (the relay then
  // closes the connection): warm up until requests are answered.
  for (let ok = 0, tries = 0; ok < 10; tries++) {
    if (
      await get(port).then(
        () => true,
        (err: unknown) => (tries < 100 ? false : Promise.reject(err)),
      )
    )
      ok++;
    else await sleep(100);
  }
}

function latencyOf(xs: number[]): Latency {
  const s = [...xs].sort((a, b) => a - b);
  return {
    medianMs: round(median(xs), 3),
    p90Ms: round(s[Math.floor(s.length * 0.9)] ?? 0, 3),
    n: xs.length,
  };
}

/** Requests to both ports in turn (a published one, a loopback one), so that the machine's
 * load changes weigh on both alike. */
async function latencies(a: number, b: number): Promise<[Latency, Latency]> {
  await warmUp(a);
  await warmUp(b);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < LATENCY_RUNS; i++) {
    xs.push(await get(a));
    ys.push(await get(b));
  }
  return [latencyOf(xs), latencyOf(ys)];
}

async function measure(
  name: string,
  fn: () => Promise<unknown>,
  into: Record<string, unknown>,
): Promise<void> {
  try {
    into[name] = await fn();
  } catch (e) {
    into[name] = { error: (e as Error).message.slice(0, 600) };
  }
  console.log(name, JSON.stringify(into[name]));
}

const registry = await startRegistry();
await pushBusybox(registry);
const image = `${registry.host}/library/busybox`;
const daemon: Daemon = await startDaemon();
const figures: Record<string, unknown> = {};
const hostKids: ChildProcess[] = [];
try {
  await cliOk(daemon, ['pull', image]);
  await cliOk(daemon, ['tag', image, 'busybox']);
  const iperfC = (target: string, port: number) => [
    '-c',
    target,
    '-p',
    String(port),
    '-t',
    String(SECONDS),
    '-J',
  ];

  await measure(
    'hostLoopback',
    async () => {
      const port = await freePort();
      const s = hostProc(IPERF, ['-s', '-B', '127.0.0.1', '-p', String(port)]);
      hostKids.push(s);
      await waitTcp(port);
      const cmd = [IPERF, ...iperfC('127.0.0.1', port)];
      const g = gbits(await hostRun(IPERF, iperfC('127.0.0.1', port)));
      s.kill();
      return { gbitPerSec: g, command: cmd.join(' ') };
    },
    figures,
  );

  await measure(
    'publishedPort',
    async () => {
      const port = await freePort();
      const run = [
        'run',
        '-d',
        '--name',
        'bench-ps',
        '-p',
        `127.0.0.1:${port}:5201`,
        ...MOUNTS,
        'busybox',
        'iperf3',
        '-s',
      ];
      await cliOk(daemon, run);
      await waitTcp(port);
      await sleep(300);
      const g = gbits(await hostRun(IPERF, iperfC('127.0.0.1', port)));
      return {
        gbitPerSec: g,
        command: `docker ${run.join(' ')}; ${IPERF} ${iperfC('127.0.0.1', port).join(' ')}`,
      };
    },
    figures,
  );

  await measure(
    'containerToContainer',
    async () => {
      await cliOk(daemon, ['network', 'create', 'bench-net']);
      const run = [
        'run',
        '-d',
        '--name',
        'bench-srv',
        '--network',
        'bench-net',
        ...MOUNTS,
        'busybox',
        'iperf3',
        '-s',
      ];
      await cliOk(daemon, run);
      const ip = (
        await cliOk(daemon, [
          'inspect',
          '-f',
          '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
          'bench-srv',
        ])
      ).stdout.trim();
      await sleep(500);
      const client = [
        'run',
        '--rm',
        '--network',
        'bench-net',
        ...MOUNTS,
        'busybox',
        'iperf3',
        ...iperfC(ip, 5201),
      ];
      const g = gbits((await cliOk(daemon, client)).stdout);
      return { gbitPerSec: g, server: `docker ${run.join(' ')}`, command: `docker ${client.join(' ')}` };
    },
    figures,
  );

  await measure(
    'containerToHost',
    async () => {
      const port = await freePort();
      const s = hostProc(IPERF, ['-s', '-p', String(port)]);
      hostKids.push(s);
      await waitTcp(port);
      const client = ['run', '--rm', ...MOUNTS, 'busybox', 'iperf3', ...iperfC('10.0.2.2', port)];
      const g = gbits((await cliOk(daemon, client)).stdout);
      s.kill();
      return {
        gbitPerSec: g,
        server: `${IPERF} -s -p ${port} (host, all addresses)`,
        command: `docker ${client.join(' ')}`,
      };
    },
    figures,
  );

  await measure(
    'httpLatency',
    async () => {
      const port = await freePort();
      const script = 'mkdir /w && echo hello > /w/index.html && httpd -f -p 80 -h /w';
      const run = [
        'run',
        '-d',
        '--name',
        'bench-httpd',
        '-p',
        `127.0.0.1:${port}:80`,
        'busybox',
        'sh',
        '-c',
        script,
      ];
      await cliOk(daemon, run);
      await waitTcp(port);
      const lport = await freePort();
      const dir = join(daemon.base, 'www');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'index.html'), 'hello\n');
      const h = hostProc('/bin/busybox', ['httpd', '-f', '-p', `127.0.0.1:${lport}`, '-h', dir]);
      hostKids.push(h);
      await waitTcp(lport);
      const [published, loopback] = await latencies(port, lport);
      h.kill();
      return {
        client:
          'node http.get, agent: false (a new TCP connection per request), median of 200 after 10 warm-up, published and loopback requests in turn',
        published: { ...published, command: `docker ${run.join(' ')}` },
        loopback: { ...loopback, command: `busybox httpd -f -p 127.0.0.1:${lport} (host)` },
        addedMs: round(published.medianMs - loopback.medianMs, 3),
      };
    },
    figures,
  );
} finally {
  for (const k of hostKids) k.kill();
  await cli(daemon, ['rm', '-f', 'bench-ps', 'bench-srv', 'bench-httpd']).catch(() => {});
  await cli(daemon, ['network', 'rm', 'bench-net']).catch(() => {});
  await daemon.stop();
  await registry.stop();
}
const summary = {
  bench: 'net',
  tool: `iperf3 (host binary, one TCP stream, -t ${SECONDS}), receiver side Gbit/s`,
  ...figures,
  machine: machine(),
  at: new Date().toISOString(),
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'net.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
