import { isAbsolute } from 'node:path';
import type { DaemonConfig } from '../config/schema.js';
import { InvalidParameter } from '../errdefs/index.js';
import type { TcpListener } from '../ipc/engine-config.js';

/** sun_path holds 108 bytes including the terminating NUL. */
const MAX_UNIX_PATH = 107;

export interface Listeners {
  unixSockets: string[];
  tcpListeners: TcpListener[];
}

function tlsFor(host: string, daemon: DaemonConfig): TcpListener['tls'] {
  const { tlscacert, tlscert, tlskey, tlsverify } = daemon;
  if (!tlscacert || !tlscert || !tlskey || tlsverify === false) {
    throw new InvalidParameter(
      `refusing to listen on ${host} without TLS and client-certificate verification: anyone who reaches the port would control the daemon and every file of this user`,
      {
        hint: 'set tlsverify: true with tlscacert, tlscert and tlskey in daemon.json, or use a unix socket (-H unix:///PATH)',
      },
    );
  }
  return { ca: tlscacert, cert: tlscert, key: tlskey };
}

function parseTcp(host: string, daemon: DaemonConfig): TcpListener {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new InvalidParameter(`invalid host address ${host}`);
  }
  if (url.pathname && url.pathname !== '/')
    throw new InvalidParameter(`invalid host address ${host}: a TCP address has no path`);
  const port = url.port ? Number(url.port) : 2376;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  return { host: hostname, port, tls: tlsFor(host, daemon) };
}

/**
 * Turns `-H`/`hosts` entries (Docker's syntax) into the engine's listeners. `unix:///path`
 * (or a bare absolute path) is a unix socket; `tcp://host:port` needs TLS with client
 * certificates; `fd://` and other schemes are refused with the reason. With no unix socket
 * given, the default socket comes first: the launcher checks readiness on it.
 */
export function parseHosts(hosts: readonly string[], daemon: DaemonConfig, defaultSocket: string): Listeners {
  const unixSockets: string[] = [];
  const tcpListeners: TcpListener[] = [];
  for (const raw of hosts) {
    const host = raw.trim();
    let path: string | undefined;
    if (host.startsWith('unix://')) path = host.slice('unix://'.length) || defaultSocket;
    else if (isAbsolute(host)) path = host;
    if (path !== undefined) {
      if (!isAbsolute(path))
        throw new InvalidParameter(`invalid host address ${host}: the socket path must be absolute`);
      if (Buffer.byteLength(path) > MAX_UNIX_PATH) {
        throw new InvalidParameter(`socket path ${path} is longer than ${MAX_UNIX_PATH} bytes`);
      }
      if (!unixSockets.includes(path)) unixSockets.push(path);
    } else if (host.startsWith('tcp://')) {
      tcpListeners.push(parseTcp(host, daemon));
    } else if (host.startsWith('fd://')) {
      throw new InvalidParameter(
        `${host}: systemd socket activation is not supported; use a unix socket path`,
      );
    } else {
      throw new InvalidParameter(`invalid host address ${host}: use unix:///PATH or tcp://HOST:PORT`);
    }
  }
  if (unixSockets.length === 0) unixSockets.push(defaultSocket);
  return { unixSockets, tcpListeners };
}
