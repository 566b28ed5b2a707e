import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { Conflict } from '../../errdefs/index.js';

/** Binds the host UDP address and port now, so a taken port is refused before the container starts. */
export async function bindHostUdpPort(
  hostIp: string,
  port: number,
  endpointName: string,
): Promise<DgramSocket> {
  const sock = createSocket({ type: hostIp.includes(':') ? 'udp6' : 'udp4', ipv6Only: hostIp.includes(':') });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: hostIp, port, exclusive: true }, () => {
      sock.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    sock.close();
    const shown = hostIp.includes(':') ? `[${hostIp}]` : hostIp;
    if (err.code === 'EADDRINUSE')
      throw new Conflict(
        `driver failed programming external connectivity on endpoint ${endpointName}: Bind for ${shown}:${port} failed: port is already allocated`,
      );
    throw err;
  });
  // Datagrams that arrive before the relay runs are dropped, as UDP allows.
  sock.on('message', () => undefined);
  return sock;
}
