/**
 * The parts of undici the registry client uses (its Agent, its EnvHttpProxyAgent and the
 * dispatchers' `request`), loaded from their own files rather than from undici's index, which
 * also evaluates undici's fetch, WebSocket, EventSource, cache stores, mock agents and
 * interceptors: about 3 MB more heap and 0.45 MB more source, kept by the engine from its first
 * pull on. transport.ts imports this module at the first registry request.
 */
import type { Dispatcher as DispatcherType } from 'undici';
import api from 'undici/lib/api/index.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';

// As undici's index does: request, stream, pipeline, upgrade and connect on every dispatcher
// (the proxy agent tunnels with connect).
Object.assign(Dispatcher.prototype, api);

export { Agent, EnvHttpProxyAgent };

/** undici's `request(url, options)`: one exchange through `options.dispatcher`. */
export function request(
  url: string,
  options: Omit<DispatcherType.RequestOptions, 'origin' | 'path'> & { dispatcher: DispatcherType },
): Promise<DispatcherType.ResponseData> {
  const { dispatcher, ...rest } = options;
  const u = new URL(url);
  return dispatcher.request({ ...rest, origin: u.origin, path: `${u.pathname}${u.search}` });
}
