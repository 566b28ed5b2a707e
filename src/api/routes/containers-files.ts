import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { InvalidParameter } from '../../errdefs/index.js';
import type { ApiEnv } from '../env.js';
import { DockerQuery } from '../query.js';

/** Docker's stat of a path in a container (mode in Go's os.FileMode encoding). */
export interface ContainerPathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** What docker cp, export and diff need from the engine. Errors are errdefs kinds. */
export interface ContainerFilesBackend {
  stat(ref: string, path: string): Promise<ContainerPathStat>;
  archive(ref: string, path: string): Promise<{ stat: ContainerPathStat; stream: Readable }>;
  extract(
    ref: string,
    path: string,
    input: Readable,
    options: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean },
  ): Promise<void>;
  export(ref: string): Promise<Readable>;
  changes(ref: string): Promise<Array<{ Path: string; Kind: 0 | 1 | 2 }>>;
}

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

function statHeader(stat: ContainerPathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

function pathParam(query: DockerQuery): string {
  const path = query.string('path');
  if (!path) throw new InvalidParameter('path is required');
  return path;
}

function tarBody(stream: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
}

/** /containers/{id}/archive (HEAD via GET, GET, PUT), /export, /changes. */
export function containerFilesRoutes(backend: ContainerFilesBackend): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();

  // hono dispatches HEAD to the GET route (and drops the body): answer it with the stat only.
  r.get('/containers/:id/archive', async (c) => {
    if (c.req.method === 'HEAD') {
      const stat = await backend.stat(c.req.param('id'), pathParam(DockerQuery.fromUrl(c.req.url)));
      return c.body(null, 200, { [STAT_HEADER]: statHeader(stat), 'Content-Type': 'application/x-tar' });
    }
    const { stat, stream } = await backend.archive(
      c.req.param('id'),
      pathParam(DockerQuery.fromUrl(c.req.url)),
    );
    return c.body(tarBody(stream), 200, {
      [STAT_HEADER]: statHeader(stat),
      'Content-Type': 'application/x-tar',
    });
  });

  r.put('/containers/:id/archive', async (c) => {
    const query = DockerQuery.fromUrl(c.req.url);
    const body = c.req.raw.body;
    if (!body) throw new InvalidParameter('the request body must be a tar archive');
    const input = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
    await backend.extract(c.req.param('id'), pathParam(query), input, {
      noOverwriteDirNonDir: query.bool('noOverwriteDirNonDir'),
      copyUIDGID: query.bool('copyUIDGID'),
    });
    return c.body(null, 200);
  });

  r.get('/containers/:id/export', async (c) => {
    const stream = await backend.export(c.req.param('id'));
    return c.body(tarBody(stream), 200, { 'Content-Type': 'application/x-tar' });
  });

  r.get('/containers/:id/changes', async (c) => c.json(await backend.changes(c.req.param('id'))));

  return r;
}
