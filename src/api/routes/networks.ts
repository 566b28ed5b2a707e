import { Hono } from 'hono';
import {
  type NetworkConnectRequest,
  NetworkConnectRequestSchema,
  type NetworkCreateRequest,
  NetworkCreateRequestSchema,
  type NetworkCreateResponse,
  NetworkDisconnectRequestSchema,
  type NetworkView,
} from '../../types/network.js';
import { readJsonBody } from '../body.js';
import type { ApiEnv } from '../env.js';
import { DockerQuery, type Filters } from '../query.js';

/** What the /networks routes need from the engine. */
export interface NetworksBackend {
  create(req: NetworkCreateRequest): Promise<NetworkCreateResponse>;
  list(filters: Filters): Promise<NetworkView[]>;
  inspect(ref: string): Promise<NetworkView>;
  remove(ref: string): Promise<void>;
  prune(filters: Filters): Promise<{ NetworksDeleted: string[] }>;
  connect(ref: string, req: NetworkConnectRequest): Promise<void>;
  disconnect(ref: string, container: string, force: boolean): Promise<void>;
}

/** /networks/*: create, list, inspect, remove, prune, connect, disconnect. */
export function networksRoutes(backend: NetworksBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();

  r.post('/networks/create', async (c) =>
    c.json(await backend.create(await readJsonBody(c, NetworkCreateRequestSchema)), 201),
  );

  r.get('/networks', async (c) => c.json(await backend.list(DockerQuery.fromUrl(c.req.url).filters())));

  r.post('/networks/prune', async (c) =>
    c.json(await backend.prune(DockerQuery.fromUrl(c.req.url).filters())),
  );

  r.get('/networks/:id', async (c) => c.json(await backend.inspect(c.req.param('id'))));

  r.delete('/networks/:id', async (c) => {
    await backend.remove(c.req.param('id'));
    return c.body(null, 204);
  });

  r.post('/networks/:id/connect', async (c) => {
    await backend.connect(c.req.param('id'), await readJsonBody(c, NetworkConnectRequestSchema));
    return c.body(null, 200);
  });

  r.post('/networks/:id/disconnect', async (c) => {
    const body = await readJsonBody(c, NetworkDisconnectRequestSchema);
    await backend.disconnect(c.req.param('id'), body.Container, Boolean(body.Force));
    return c.body(null, 200);
  });

  return r;
}
