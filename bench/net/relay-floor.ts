/**
 * What the published-port relay costs by itself (issue 6's throughput target), on the host's
 * loopback with no namespace, bridge or container: iperf3 to its server directly, and to the
 * same server through rootlessd's relay (native/ip-transparent, the addon the netns agent runs,
 * loaded here in this process), alternated ROUNDS times. A relay is what keeps a client's
 * source address (the issue asks for it), and it is one more TCP receive and send per byte;
 * on a machine whose cores iperf3's two ends already fill, that share of CPU comes out of the
 * throughput. CPU seconds per GiB moved: iperf3's client and server (its -J report), and the
 * relay (this process's CPU time, where the relay thread runs).
 *   node --import tsx bench/net/relay-floor.ts      (after npm run build; needs iperf3)
 * BENCH_ROUNDS (default 5), BENCH_BYTES (default 4G, iperf3's -n). Writes bench/results/relay-floor.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/fixtures/registry.js';
import { machine, median, round } from '../run/cli.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const IPERF = '/usr/bin/iperf3';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BYTES = process.env.BENCH_BYTES ?? '4G';
if (!existsSync(IPERF)) {
  console.error(
    `bench relay-floor: ${IPERF} is missing; install it first (as root: apt-get install -y iperf3)`,
  );
  process.exit(1);
}
const addonPath = join(root, 'dist/native/ip-transparent.node');
if (!existsSync(addonPath)) {
  console.error('bench relay-floor: dist/native/ip-transparent.node is missing: run npm run build first');
  process.exit(1);
}
const relay = createRequire(import.meta.url)(addonPath) as {
  serveTcp(fd: number, ip: string, port: number): number;
  stopTcp(id: number): void;
};

interface IperfEnd {
  end?: {
    sum_received?: { bits_per_second: number; bytes: number; seconds: number };
    cpu_utilization_percent?: { host_total: number; remote_total: number };
  };
  error?: string;
}

function run(args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const c = spawn(IPERF, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    c.on('error', rej);
    c.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`iperf3 exited ${code}: ${out}`))));
  });
}

interface Sample {
  gbits: number;
  clientCpuPerGiB: number;
  serverCpuPerGiB: number;
  relayCpuPerGiB: number;
}

async function measure(port: number): Promise<Sample> {
  const before = process.cpuUsage();
  const j = JSON.parse(await run(['-c', '127.0.0.1', '-p', String(port), '-n', BYTES, '-J'])) as IperfEnd;
  const used = process.cpuUsage(before);
  if (j.error || !j.end?.sum_received) throw new Error(`iperf3: ${j.error ?? 'no report'}`);
  const { bits_per_second, bytes, seconds } = j.end.sum_received;
  const gib = bytes / 2 ** 30;
  const cpu = j.end.cpu_utilization_percent ?? { host_total: 0, remote_total: 0 };
  return {
    gbits: bits_per_second / 1e9,
    clientCpuPerGiB: (cpu.host_total / 100) * (seconds / gib),
    serverCpuPerGiB: (cpu.remote_total / 100) * (seconds / gib),
    relayCpuPerGiB: (used.user + used.system) / 1e6 / gib,
  };
}

function summary(samples: Sample[]) {
  const pick = (k: keyof Sample, digits: number) => round(median(samples.map((s) => s[k])), digits);
  return {
    gbits: pick('gbits', 2),
    cpuSecondsPerGiB: {
      client: pick('clientCpuPerGiB', 3),
      server: pick('serverCpuPerGiB', 3),
      relay: pick('relayCpuPerGiB', 3),
    },
  };
}

const serverPort = await freePort();
const server = spawn(IPERF, ['-s', '-B', '127.0.0.1', '-p', String(serverPort)], { stdio: 'ignore' });
const listener = createServer();
await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
const relayPort = (listener.address() as { port: number }).port;
const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
const id = relay.serveTcp(fd, '127.0.0.1', serverPort);
// The relay holds its own copy of the listening socket; Node's must not accept too.
listener.close();
try {
  await new Promise((r) => setTimeout(r, 500));
  const direct: Sample[] = [];
  const relayed: Sample[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    direct.push(await measure(serverPort));
    relayed.push(await measure(relayPort));
  }
  const d = summary(direct);
  const r = summary(relayed);
  const result = {
    when: new Date().toISOString(),
    machine: machine(),
    rounds: ROUNDS,
    bytesPerRun: BYTES,
    loopback: d,
    throughRelay: r,
    relayShareOfLoopback: round(r.gbits / d.gbits, 3),
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/relay-floor.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  relay.stopTcp(id);
  server.kill();
}
process.exit(0);
