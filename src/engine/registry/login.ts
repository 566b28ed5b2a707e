import { Cancelled } from '../../errdefs/index.js';
import { moduleLogger } from '../../log/index.js';
import { fetchToken, parseChallenges } from './auth.js';
import { basicCredentials, type RegistryAuth, registryDomainOf } from './credentials.js';
import { type RegistryConfig, type RegistryEndpoint, registryEndpoints } from './endpoints.js';
import { RegistryFailed, RegistryUnauthorized, statusLine } from './errors.js';
import { isNetworkError, send } from './transport.js';

const log = moduleLogger('registry-login');

/** What `POST /auth` answers on success. */
export interface LoginResult {
  Status: 'Login Succeeded';
  IdentityToken?: string;
}

function loginFailed(ep: RegistryEndpoint, status: number): RegistryUnauthorized | RegistryFailed {
  const message = `login attempt to ${ep.url}/v2/ failed with status: ${statusLine(status)}`;
  const failure = { status, entries: [], url: `${ep.url}/v2/` };
  return status === 401 ? new RegistryUnauthorized(message, failure) : new RegistryFailed(message, failure);
}

async function loginAt(ep: RegistryEndpoint, auth: RegistryAuth, signal?: AbortSignal): Promise<LoginResult> {
  const v2 = `${ep.url}/v2/`;
  const first = await send({ method: 'GET', url: v2, insecureTls: ep.insecureTls, signal });
  await first.body.dump().catch(() => {});
  if (first.status === 200) return { Status: 'Login Succeeded' };
  if (first.status !== 401) throw loginFailed(ep, first.status);
  const challenges = parseChallenges(first.headers['www-authenticate']);
  const bearer = challenges.find((c) => c.scheme === 'bearer');
  let authorization: string | undefined;
  let identityToken: string | undefined;
  if (bearer) {
    try {
      const token = await fetchToken(bearer, [], auth, {
        insecureTls: ep.insecureTls,
        signal,
        offline: true,
      });
      authorization = `Bearer ${token.token}`;
      identityToken = token.refreshToken;
    } catch (err) {
      if (err instanceof RegistryUnauthorized) throw loginFailed(ep, 401);
      throw err;
    }
  } else {
    const basic = basicCredentials(auth);
    if (!basic) throw loginFailed(ep, 401);
    authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  }
  const second = await send({
    method: 'GET',
    url: v2,
    headers: { authorization },
    insecureTls: ep.insecureTls,
    signal,
  });
  await second.body.dump().catch(() => {});
  if (second.status !== 200) throw loginFailed(ep, second.status);
  return { Status: 'Login Succeeded', ...(identityToken ? { IdentityToken: identityToken } : {}) };
}

/**
 * `POST /auth`: checks credentials against the registry named by `serveraddress` (Docker
 * Hub when empty), as Docker's loginV2. 401 → Unauthorized with Docker's message
 * `login attempt to http://HOST/v2/ failed with status: 401 Unauthorized`.
 */
export async function checkLogin(
  auth: RegistryAuth,
  config: RegistryConfig = {},
  signal?: AbortSignal,
): Promise<LoginResult> {
  const domain = registryDomainOf(auth.serveraddress);
  const endpoints = registryEndpoints(domain, config, 'push');
  let lastError: unknown;
  for (const ep of endpoints) {
    try {
      const result = await loginAt(ep, auth, signal);
      log.info({ registry: domain, endpoint: ep.url }, 'login succeeded');
      return result;
    } catch (err) {
      lastError = err;
      if (err instanceof Cancelled || !isNetworkError(err)) break;
    }
  }
  log.info({ registry: domain, err: (lastError as Error)?.message }, 'login failed');
  throw lastError;
}
