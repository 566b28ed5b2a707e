/**
 * Installs LiteHeaders, LiteRequest and LiteResponse as the process's global Headers, Request
 * and Response. The engine's entry module imports installed.ts first, before hono and
 * @hono/node-server read those globals.
 *
 * Why: Node defines the three as lazy getters that load its built-in undici, all of it, the
 * first time any of them is read; undici also compiles its llhttp WebAssembly as it loads.
 * @hono/node-server reads them when it loads, and hono builds every answer with them. In a
 * bare Node 20 that costs 5.7 MiB of anonymous memory and 7.5 MiB more of node's own pages
 * (`node -e 'globalThis.Response; new Headers()'` against `node -e ''`, smaps_rollup), a sixth
 * of the daemon's idle footprint, for classes the API server uses a small part of. The engine's
 * registry client uses the undici package's dispatcher API, not these globals; an engine that
 * calls the global fetch still gets Node's own (it brings its own classes along).
 *
 * A global Node has already loaded (a value, not its lazy getter) is left as it is.
 */
import { LiteHeaders } from './headers.js';
import { LiteRequest } from './request.js';
import { LiteResponse } from './response.js';

export const LITE_GLOBALS = { Headers: LiteHeaders, Request: LiteRequest, Response: LiteResponse } as const;

/** The names it replaced (those still lazy). */
export function installFetchLite(target: object = globalThis): string[] {
  const replaced: string[] = [];
  for (const [name, value] of Object.entries(LITE_GLOBALS)) {
    const current = Object.getOwnPropertyDescriptor(target, name);
    if (current && 'value' in current) continue;
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
    replaced.push(name);
  }
  return replaced;
}
