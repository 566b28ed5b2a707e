import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { InvalidParameter } from '../errdefs/index.js';

function declaredLength(req: IncomingMessage, limit: number): number {
  const header = req.headers['content-length'];
  if (header === undefined) return 0;
  const length = Number(header);
  if (!Number.isInteger(length) || length < 0) throw new InvalidParameter('invalid Content-Length');
  if (length > limit)
    throw new InvalidParameter(`request body is too large: ${length} bytes, the limit is ${limit}`);
  return length;
}

/**
 * The body of an upgrade request (node hands over the socket right after the headers):
 * Content-Length bytes from `head` and the socket; what follows is put back on the socket.
 */
export async function readUpgradeBody(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  limit: number,
): Promise<Buffer> {
  const length = declaredLength(req, limit);
  let buffered = head;
  while (buffered.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve, reject) => {
      const onData = (data: Buffer) => {
        cleanup();
        socket.pause();
        resolve(data);
      };
      const onEnd = () => {
        cleanup();
        resolve(null);
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('error', onError);
      };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('error', onError);
      socket.resume();
    });
    if (chunk === null) throw new InvalidParameter('request body ended early');
    buffered = Buffer.concat([buffered, chunk]);
  }
  const rest = buffered.subarray(length);
  if (rest.length > 0) socket.unshift(rest);
  return buffered.subarray(0, length);
}

/** The body of a plain request when it declares its length; 0 bytes otherwise. */
export async function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const length = declaredLength(req, limit);
  if (length === 0) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total > limit) throw new InvalidParameter(`request body is too large: over ${limit} bytes`);
  }
  return Buffer.concat(chunks).subarray(0, length);
}
