/**
 * Sockets bound inside another process's network namespace, from this one, through our native
 * addon (native/netns-socket.c, built into dist/native/ by `npm run build`): a thread of the
 * addon joins the namespace, creates and binds the socket, and Node adopts the descriptor. The
 * caller must hold CAP_SYS_ADMIN over the namespace (the engine does: it runs in the user
 * namespace that owns the container network). Where the addon is missing, netnsBinder() says
 * so by returning undefined and the caller uses a process inside the namespace instead.
 */
import { createSocket, type Socket } from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import type { Server } from 'node:net';
import { loadAddon } from './native-addon.js';

interface Addon {
  bindIn(nsFd: number, type: 'udp' | 'tcp', address: string, port: number): number;
}

const load = () => loadAddon<Addon>('netns-socket');

export interface NetnsBinder {
  /** A UDP socket bound to address:port in the namespace (udp6 for an IPv6 address). */
  udp(address: string, port: number): Socket;
  /** Starts `server` listening on address:port in the namespace. */
  listenTcp(server: Server, address: string, port: number): void;
  /** Closes the namespace's descriptor (sockets made so far stay). */
  close(): void;
}

/**
 * Binds sockets in the network namespace of `pid`, or undefined when the addon is missing or
 * the namespace cannot be opened. The binder throws (synchronously) what bind(2) refuses,
 * with the errno name as `code`.
 */
export function netnsBinder(pid: number): NetnsBinder | undefined {
  const a = load();
  if (!a) return undefined;
  let nsFd: number;
  try {
    nsFd = openSync(`/proc/${pid}/ns/net`, 'r');
  } catch {
    return undefined;
  }
  return {
    udp(address, port) {
      const fd = a.bindIn(nsFd, 'udp', address, port);
      const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
      try {
        socket.bind({ fd });
      } catch (err) {
        closeSync(fd);
        throw err;
      }
      return socket;
    },
    listenTcp(server, address, port) {
      const fd = a.bindIn(nsFd, 'tcp', address, port);
      try {
        server.listen({ fd });
      } catch (err) {
        closeSync(fd);
        throw err;
      }
    },
    close() {
      closeSync(nsFd);
    },
  };
}
