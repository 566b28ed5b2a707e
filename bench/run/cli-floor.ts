/**
 * The docker CLI's own cost for each command of the run bench: the same CLI, user and
 * environment against a server that answers at once with what rootlessd answered (captured from
 * the real daemon just before: the ping's headers, `containers/json` with the bench's 100
 * containers, a container's and an exec's inspect). No container runs; the CLI makes the same
 * requests, parses the same bodies and prints the same output, so its wall time here is what
 * any daemon's answer adds to. A bench instrument only, never a daemon.
 *   node --import tsx bench/run/cli-floor.ts      (starts its own daemon; run.ts also calls it)
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { socketRequest } from '../../test/helpers/http.js';
import type { Daemon, DaemonEnv } from '../../test/helpers/index.js';
import { cliOk, pool, round, stats, timed } from './cli.js';

/** What the instant server answers, captured from the real daemon. */
export interface Captured {
  pingHeaders: Record<string, string>;
  /** GET /containers/json?all=1 */
  containerList: string;
  /** GET /containers/{id}/json of a running container. */
  containerInspect: string;
  /** GET /exec/{id}/json of a finished exec (exit code 0). */
  execInspect: string;
  version: string;
  /** The API version prefix the CLI uses (`/v1.50`). */
  api: string;
}

const PING_HEADERS = ['api-version', 'builder-version', 'docker-experimental', 'ostype', 'server'];

/** GET /containers/json?all=1 from the real daemon (the ps figure's body). */
export async function captureList(d: DaemonEnv, api: string): Promise<string> {
  const r = await socketRequest(d.socket, `${api}/containers/json?all=1`);
  if (r.status !== 200) throw new Error(`containers/json: ${r.status} ${r.body}`);
  return r.body;
}

/**
 * The ping's headers, `container`'s inspect and a finished exec's, the version; the list as it
 * is now (captureList() again once the ps figure's containers exist).
 */
export async function capture(d: DaemonEnv, container: string): Promise<Captured> {
  const sock = d.socket;
  const ping = await socketRequest(sock, '/_ping');
  const pingHeaders: Record<string, string> = {};
  for (const h of PING_HEADERS) {
    const v = ping.headers[h];
    if (typeof v === 'string') pingHeaders[h] = v;
  }
  const api = `/v${pingHeaders['api-version'] ?? '1.45'}`;
  const ok = async (path: string, method = 'GET', body?: string) => {
    const r = await socketRequest(sock, `${api}${path}`, {
      method,
      ...(body ? { body, headers: { 'Content-Type': 'application/json' } } : {}),
    });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
    return r.body;
  };
  const exec = JSON.parse(
    await ok(`/containers/${container}/exec`, 'POST', JSON.stringify({ Cmd: ['true'] })),
  ) as { Id: string };
  await ok(`/exec/${exec.Id}/start`, 'POST', JSON.stringify({ Detach: true }));
  let execInspect = '';
  for (let i = 0; i < 100; i++) {
    execInspect = await ok(`/exec/${exec.Id}/json`);
    if ((JSON.parse(execInspect) as { Running: boolean }).Running === false) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    pingHeaders,
    containerList: await captureList(d, api),
    containerInspect: await ok(`/containers/${container}/json`),
    execInspect,
    version: await ok('/version'),
    api,
  };
}

const EXITED = '{"StatusCode":0,"Error":null}\n';

const RAW_STREAM_101 =
  'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n';

/** A server on a unix socket that answers the run bench's requests at once. */
export class InstantServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'rlt-cli-floor-'));
  readonly socket = join(this.dir, 'docker.sock');
  private readonly server: Server;
  /** Attach streams waiting for their container's start (docker run attaches before it starts). */
  private readonly attached = new Map<string, Socket[]>();
  /** Waits (`condition=removed`, asked before the start) answered once the start comes. */
  private readonly waits = new Map<string, ServerResponse[]>();
  private readonly started = new Set<string>();
  /** Hijacked connections, which the HTTP server no longer tracks. */
  private readonly hijacked = new Set<Socket>();

  constructor(private readonly c: Captured) {
    this.server = createServer((req, res) => this.answer(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket) => this.hijack(req, socket));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.socket, resolve));
    chmodSync(this.dir, 0o755);
    chmodSync(this.socket, 0o666);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    for (const s of this.hijacked) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private json(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...this.c.pingHeaders });
    res.end(body);
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://d');
    const path = url.pathname.replace(/^\/v[0-9.]+/, '');
    req.resume();
    const waitFor = /^\/containers\/([^/]+)\/wait$/.exec(path)?.[1];
    const startOf = /^\/containers\/([^/]+)\/start$/.exec(path)?.[1];
    if (path === '/_ping') {
      res.writeHead(200, {
        'Content-Type': 'text/plain',
        ...this.c.pingHeaders,
        'Cache-Control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : 'OK');
    } else if (path === '/version') this.json(res, 200, this.c.version);
    else if (path === '/containers/json') this.json(res, 200, this.c.containerList);
    else if (path === '/containers/create') {
      req.on('end', () =>
        this.json(res, 201, JSON.stringify({ Id: randomBytes(32).toString('hex'), Warnings: [] })),
      );
    } else if (waitFor) {
      // As the daemon: the status line at once (the CLI goes on only then), the body at the exit.
      res.writeHead(200, { 'Content-Type': 'application/json', ...this.c.pingHeaders });
      res.flushHeaders();
      if (this.started.has(waitFor)) res.end(EXITED);
      else this.waits.set(waitFor, [...(this.waits.get(waitFor) ?? []), res]);
    } else if (startOf) this.start(startOf, res);
    else if (/^\/containers\/[^/]+\/json$/.test(path)) this.json(res, 200, this.c.containerInspect);
    else if (/^\/containers\/[^/]+\/exec$/.test(path)) {
      req.on('end', () => this.json(res, 201, JSON.stringify({ Id: randomBytes(32).toString('hex') })));
    } else if (/^\/exec\/[^/]+\/json$/.test(path)) this.json(res, 200, this.c.execInspect);
    else if (/^\/containers\/[^/]+\/resize$|^\/exec\/[^/]+\/resize$/.test(path)) {
      res.writeHead(200, this.c.pingHeaders);
      res.end();
    } else this.json(res, 404, JSON.stringify({ message: `cli-floor: no answer for ${req.method} ${path}` }));
  }

  /** The container "ran": the start's answer, its attach streams end, then its waits answer. */
  private start(id: string, res: ServerResponse): void {
    this.started.add(id);
    res.writeHead(204, this.c.pingHeaders);
    res.end();
    for (const s of this.attached.get(id) ?? []) s.end();
    this.attached.delete(id);
    for (const w of this.waits.get(id) ?? []) w.end(EXITED);
    this.waits.delete(id);
  }

  private hijack(req: IncomingMessage, socket: Socket): void {
    const path = new URL(req.url ?? '/', 'http://d').pathname.replace(/^\/v[0-9.]+/, '');
    this.hijacked.add(socket);
    socket.on('close', () => this.hijacked.delete(socket));
    socket.write(RAW_STREAM_101);
    const attach = /^\/containers\/([^/]+)\/attach$/.exec(path);
    if (attach) {
      const id = attach[1] as string;
      if (this.started.has(id)) socket.end();
      else this.attached.set(id, [...(this.attached.get(id) ?? []), socket]);
      return;
    }
    // An exec start: the process printed nothing and exited at once.
    socket.end();
  }
}

export interface CliFloor {
  how: string;
  runRmNetworkNone: ReturnType<typeof stats>;
  runDetachedParallel: { totalWallMs: number; perCommand: ReturnType<typeof stats> };
  execTrue: ReturnType<typeof stats>;
  psAll: ReturnType<typeof stats> & { containers: number };
}

/**
 * The CLI's floor for each run-bench command, `runs` times each (20 × run -d, 4 at a time, as the
 * run bench). `captured` comes from the real daemon (capture()).
 */
export async function cliFloor(d: DaemonEnv, captured: Captured, runs: number): Promise<CliFloor> {
  const server = new InstantServer(captured);
  await server.listen();
  const env: DaemonEnv = { ...d, cliEnv: { ...d.cliEnv, DOCKER_HOST: `unix://${server.socket}` } };
  const samples = async (args: string[]) => {
    await cliOk(env, args);
    const out: number[] = [];
    for (let i = 0; i < runs; i++) out.push((await cliOk(env, args)).ms);
    return out;
  };
  try {
    const runRm = await samples(['run', '--rm', '--network', 'none', 'busybox', 'true']);
    const each: number[] = [];
    const wall = await timed(() =>
      pool(20, 4, async (i) => {
        each.push((await cliOk(env, ['run', '-d', '--name', `floor-d${i}`, 'busybox', 'sleep', '600'])).ms);
      }),
    );
    const exec = await samples(['exec', 'floor-d0', 'true']);
    const ps = await samples(['ps', '-a']);
    return {
      how: 'the same docker CLI, user and environment against a server on a unix socket that answers at once with the bytes rootlessd answered (bench/run/cli-floor.ts); no container runs',
      runRmNetworkNone: stats(runRm),
      runDetachedParallel: { totalWallMs: round(wall), perCommand: stats(each) },
      execTrue: stats(exec),
      psAll: { ...stats(ps), containers: (JSON.parse(captured.containerList) as unknown[]).length },
    };
  } finally {
    await server.close();
  }
}

// Standalone: a daemon with busybox, 100 created containers and one running, then the floors.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { pushBusybox } = await import('../../test/fixtures/images.js');
  const { startRegistry } = await import('../../test/fixtures/registry.js');
  const { startDaemon } = await import('../../test/helpers/index.js');
  const registry = await startRegistry();
  await pushBusybox(registry);
  const daemon: Daemon = await startDaemon({});
  try {
    const image = `${registry.host}/library/busybox`;
    await cliOk(daemon, ['pull', '-q', image]);
    await cliOk(daemon, ['tag', image, 'busybox']);
    await cliOk(daemon, ['run', '-d', '--name', 'floor-run', 'busybox', 'sleep', '600']);
    const captured = await capture(daemon, 'floor-run');
    await pool(99, 4, (i) => cliOk(daemon, ['create', '--name', `floor-c${i}`, 'busybox', 'true']));
    captured.containerList = await captureList(daemon, captured.api);
    const floor = await cliFloor(daemon, captured, Number(process.env.BENCH_RUNS ?? 20));
    console.log(JSON.stringify(floor, null, 2));
  } finally {
    await daemon.stop();
    await registry.stop();
  }
}
