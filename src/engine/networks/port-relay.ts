import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { ResultPromise } from 'execa';
import { spawn } from '../../drivers/exec.js';
import { spawnInNamespaces } from '../../drivers/nsenter.js';
import { Conflict, Forbidden } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';

const log = moduleLogger('networks.ports');
const SOCAT_BUFFER = '262144';

/** A TCP port published on the host: a listener here, socat into the container network. */
export interface TcpRelay {
  hostIp: string;
  hostPort: number;
  close(): Promise<void>;
}

/**
 * Binds the host address and port now (so a taken port is refused before the container
 * starts). Connections wait until `connectInner` has been called.
 */
export async function bindHostPort(hostIp: string, port: number, endpointName: string): Promise<Server> {
  const server = createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: hostIp, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (err: NodeJS.ErrnoException) => {
    const shown = hostIp.includes(':') ? `[${hostIp}]` : hostIp;
    if (err.code === 'EADDRINUSE')
      throw new Conflict(
        `driver failed programming external connectivity on endpoint ${endpointName}: Bind for ${shown}:${port} failed: port is already allocated`,
      );
    if (err.code === 'EACCES') {
      const start = (
        await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').catch(() => '1024')
      ).trim();
      throw new Forbidden(
        `driver failed programming external connectivity on endpoint ${endpointName}: cannot expose privileged port ${port}: the host allows unprivileged ports from ${start} (sysctl net.ipv4.ip_unprivileged_port_start=${start}); lower it, e.g. sysctl -w net.ipv4.ip_unprivileged_port_start=${port}, or publish a port >= ${start}`,
      );
    }
    throw err;
  });
  return server;
}

async function waitForFile(path: string, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 20) {
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/**
 * Starts the inner half (socat inside the container network: unix socket → container
 * address) and makes the host listener hand each accepted connection to a socat that relays
 * it over that unix socket. Large socat buffers: see PLATFORM.md's relay measurements.
 */
export async function startTcpRelay(options: {
  server: Server;
  holderPid: number;
  socketPath: string;
  target: string;
  targetPort: number;
}): Promise<TcpRelay> {
  const { server, socketPath } = options;
  await mkdir(dirname(socketPath), { recursive: true });
  await rm(socketPath, { force: true });
  const inner: ResultPromise = spawnInNamespaces(
    { target: options.holderPid, net: true },
    'socat',
    [
      '-b',
      SOCAT_BUFFER,
      `UNIX-LISTEN:${socketPath},fork,mode=600`,
      `TCP4:${options.target}:${options.targetPort},nodelay`,
    ],
    { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' },
  );
  let innerErr = '';
  inner.stderr?.on('data', (c: Buffer) => {
    innerErr = (innerErr + c.toString()).slice(-2000);
  });
  void inner.then((r) => {
    if (r.exitCode && r.signal !== 'SIGTERM')
      log.warn({ socketPath, stderr: innerErr }, 'inner port relay exited');
  });
  if (!(await waitForFile(socketPath, 3000)))
    log.warn({ socketPath, stderr: innerErr }, 'inner port relay not ready');
  const onConnection = (conn: Socket) => {
    const child = spawn('socat', ['-b', SOCAT_BUFFER, 'FD:3,nonblock=0', `UNIX-CONNECT:${socketPath}`], {
      stdio: ['ignore', 'ignore', 'pipe', conn],
      timeoutMs: 0,
    });
    conn.destroy();
    void child.then((r) => {
      if (r.exitCode)
        log.debug({ stderr: String(r.stderr ?? '') }, 'port relay connection ended with an error');
    });
  };
  server.on('connection', onConnection);
  const address = server.address();
  return {
    hostIp: typeof address === 'object' && address ? address.address : '',
    hostPort: typeof address === 'object' && address ? address.port : 0,
    close: async () => {
      server.off('connection', onConnection);
      await new Promise<void>((r) => server.close(() => r()));
      inner.kill('SIGTERM');
      await rm(socketPath, { force: true });
    },
  };
}
