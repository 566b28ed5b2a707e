import { request } from 'node:http';
import { sleep } from './proc.js';

/** True when the unix socket answers `GET /_ping` with 200. */
export function pingSocket(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Polls the socket every `stepMs` until it answers, `isGone()` says the server died, or the
 * time is up. Returns whether it answered.
 */
export async function waitForPing(
  socketPath: string,
  options: { timeoutMs: number; stepMs?: number; isGone?: () => boolean },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.isGone?.()) return false;
    if (await pingSocket(socketPath, 500)) return true;
    await sleep(options.stepMs ?? 50);
  }
  return false;
}
