import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { Conflict, Forbidden } from '../../errdefs/index.js';

/**
 * Binds the host address and port now (so a taken port is refused before the container
 * starts). The engine then hands the listening socket to the netns agent, which relays it
 * (agent/port-forwarder.ts). Connections accepted here before that are reset: the client
 * retries against a container that is up.
 */
export async function bindHostPort(hostIp: string, port: number, endpointName: string): Promise<Server> {
  const server = createServer({ pauseOnConnect: true }, (early: Socket) => early.resetAndDestroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: hostIp, port, exclusive: true, ipv6Only: hostIp.includes(':') }, () => {
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
