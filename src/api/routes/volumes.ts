import { Hono } from 'hono';
import {
  type VolumeCreateRequest,
  VolumeCreateRequestSchema,
  type VolumeListResponse,
  type VolumePruneReport,
  type VolumeView,
} from '../../types/volume.js';
import { readJsonBody } from '../body.js';
import type { ApiEnv } from '../env.js';
import { DockerQuery, type Filters } from '../query.js';

/** What the /volumes routes need from the engine. */
export interface VolumesBackend {
  create(req: VolumeCreateRequest): Promise<VolumeView>;
  list(filters: Filters): Promise<VolumeListResponse>;
  inspect(name: string): VolumeView;
  remove(name: string, force: boolean): Promise<void>;
  prune(filters: Filters): Promise<VolumePruneReport>;
}

/** /volumes/*: list, create, inspect, remove, prune. */
export function volumesRoutes(backend: VolumesBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();

  r.get('/volumes', async (c) => c.json(await backend.list(DockerQuery.fromUrl(c.req.url).filters())));

  r.post('/volumes/create', async (c) =>
    c.json(await backend.create(await readJsonBody(c, VolumeCreateRequestSchema)), 201),
  );

  r.post('/volumes/prune', async (c) =>
    c.json(await backend.prune(DockerQuery.fromUrl(c.req.url).filters())),
  );

  r.get('/volumes/:name', (c) => c.json(backend.inspect(c.req.param('name'))));

  r.delete('/volumes/:name', async (c) => {
    await backend.remove(c.req.param('name'), DockerQuery.fromUrl(c.req.url).bool('force'));
    return c.body(null, 204);
  });

  return r;
}
