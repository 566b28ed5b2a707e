// First: zod's setting applies to schemas built after it (zod-jitless.ts).
import '../types/zod-jitless.js';
// Before hono and @hono/node-server read the Fetch globals: they stay free of Node's undici.
import '../api/fetch-lite/installed.js';
import { chmod, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:net';
import { createApp } from '../api/create-app.js';
import { HijackRouter } from '../api/hijack.js';
import { registerContainerHijackRoutes } from '../api/routes/containers-attach.js';
import { registerExecHijackRoutes } from '../api/routes/exec.js';
import { type ApiServer, createApiServer, type TlsOptions } from '../api/server.js';
import { DaemonConfigSchema } from '../config/schema.js';
import { IdleTrimmer } from '../drivers/malloc-trim.js';
import { Daemon } from '../engine/daemon.js';
import {
  ENGINE_CONFIG_ENV,
  type EngineConfig,
  EngineConfigSchema,
  type TcpListener,
} from '../ipc/engine-config.js';
import { moduleLogger, setLogLevel } from '../log/index.js';

const log = moduleLogger('engine');
const STOP_GRACE_MS = 3000;

function readEngineConfig(): EngineConfig {
  const raw = process.env[ENGINE_CONFIG_ENV];
  if (!raw)
    throw new Error(`${ENGINE_CONFIG_ENV} is not set: the engine is started by the rootlessd launcher`);
  const result = EngineConfigSchema.safeParse(JSON.parse(raw));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`invalid ${ENGINE_CONFIG_ENV}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return result.data;
}

/** A TLS field is either PEM text or the path of a PEM file. */
async function pem(value: string): Promise<string> {
  return value.includes('-----BEGIN') ? value : readFile(value, 'utf8');
}

async function tlsOptions(listener: TcpListener): Promise<TlsOptions> {
  const [ca, cert, key] = await Promise.all([
    pem(listener.tls.ca),
    pem(listener.tls.cert),
    pem(listener.tls.key),
  ]);
  return { ca, cert, key };
}

/**
 * Memory back to the system 2 s after the last request ends (and after the start): a pull,
 * a build or the start-up itself leave tens of MiB free in V8's heap and malloc's arenas.
 */
const trimmer = new IdleTrimmer();

function trimWhenQuiet(server: ApiServer): void {
  server.on('request', (_req: unknown, res: NodeJS.EventEmitter) => {
    trimmer.touch();
    res.once('close', () => trimmer.touch());
  });
  server.on('upgrade', (_req: unknown, socket: NodeJS.EventEmitter) =>
    socket.once('close', () => trimmer.touch()),
  );
}

function listen(server: Server, target: { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const config = readEngineConfig();
  if (config.daemon['log-level']) setLogLevel(config.daemon['log-level']);
  const daemon = await Daemon.create(config);
  const app = createApp(daemon);
  const hijack = new HijackRouter();
  registerContainerHijackRoutes(hijack, daemon.containers);
  registerExecHijackRoutes(hijack, daemon.exec);
  const servers: ApiServer[] = [];

  for (const path of config.unixSockets) {
    // The launcher holds the lock that makes this instance the only one: a file here is stale.
    await rm(path, { force: true });
    const server = createApiServer({ app, hijack });
    trimWhenQuiet(server);
    await listen(server, { path });
    await chmod(path, 0o600);
    servers.push(server);
    log.info({ socket: path }, 'listening');
  }
  for (const listener of config.tcpListeners) {
    const server = createApiServer({ app, hijack, tls: await tlsOptions(listener) });
    trimWhenQuiet(server);
    await listen(server, { host: listener.host, port: listener.port });
    servers.push(server);
    log.info({ host: listener.host, port: listener.port }, 'listening with TLS and client certificates');
  }

  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    // As dockerd: running containers are stopped unless live-restore keeps them (here they
    // would lose their network anyway once the launcher stops the namespace holder).
    const keep = daemon.daemon['live-restore'] === true;
    log.info(keep ? 'stopping; live-restore leaves containers running' : 'stopping');
    const graceMs = STOP_GRACE_MS + (keep ? 0 : daemon.containers.longestStopTimeout() * 1000);
    const timer = setTimeout(() => process.exit(0), graceMs);
    timer.unref();
    const containersDown = keep ? Promise.resolve() : daemon.containers.shutdown();
    let open = servers.length;
    for (const server of servers) {
      server.close(() => {
        open -= 1;
        // Clean-ups of auto-removed containers (mounts, runtime state) finish first.
        if (open === 0)
          void containersDown.then(() => daemon.containers.settled()).finally(() => process.exit(0));
      });
      server.closeIdleConnections();
    }
    setTimeout(() => {
      for (const server of servers) server.closeAllConnections();
    }, STOP_GRACE_MS / 2).unref();
  });
  process.on('SIGINT', () => process.emit('SIGTERM'));

  process.on('SIGHUP', () => {
    void (async () => {
      if (!config.configFile) {
        await daemon.reload(daemon.daemon);
        return;
      }
      let next: ReturnType<typeof DaemonConfigSchema.parse>;
      try {
        const text = await readFile(config.configFile, 'utf8');
        const parsed = DaemonConfigSchema.safeParse(JSON.parse(text));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new Error(`${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
        }
        next = parsed.data;
      } catch (err) {
        log.error({ err, file: config.configFile }, 'reload failed; keeping the current configuration');
        return;
      }
      await daemon.reload(next);
    })().catch((err) => log.error({ err }, 'reload failed'));
  });

  log.info({ pid: process.pid, dataRoot: config.dataRoot, id: daemon.id }, 'engine ready');
  trimmer.touch();
}

process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception (kept running)'));
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection (kept running)'));

main().catch((err) => {
  log.fatal({ err }, 'engine failed to start');
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
