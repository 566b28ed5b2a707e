import { Hono } from 'hono';
import { z } from 'zod';
import { lazySchema } from '../../types/lazy-schema.js';
import { readJsonBody } from '../body.js';
import type { ApiEnv } from '../env.js';

/** `POST /auth` body (Docker's registry.AuthConfig). */
export const AuthConfigSchema = lazySchema(() =>
  z
    .object({
      username: z.string().optional(),
      password: z.string().optional(),
      auth: z.string().optional(),
      email: z.string().optional(),
      serveraddress: z.string().optional(),
      identitytoken: z.string().optional(),
      registrytoken: z.string().optional(),
    })
    .passthrough(),
);
export type AuthConfig = z.infer<typeof AuthConfigSchema>;

export interface AuthBackend {
  /** Checks the credentials against the registry; Unauthorized with Docker's message when refused. */
  login(config: AuthConfig, signal: AbortSignal): Promise<{ Status: string; IdentityToken?: string }>;
}

/** `POST /auth`: `{"Status":"Login Succeeded","IdentityToken":""}` or 401. */
export function authRoutes(backend: AuthBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();
  r.post('/auth', async (c) => {
    const config = await readJsonBody(c, AuthConfigSchema);
    const result = await backend.login(config, c.req.raw.signal);
    return c.json({ Status: result.Status, IdentityToken: result.IdentityToken ?? '' });
  });
  return r;
}
