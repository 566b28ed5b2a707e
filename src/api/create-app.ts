import { Hono } from 'hono';
import { MAX_API_VERSION, pathnameOf, splitVersionedPath } from './api-version.js';
import type { Backends } from './backends.js';
import type { ApiEnv } from './env.js';
import { errorAnswer } from './error-status.js';
import { accessLogMiddleware } from './middleware/access-log.js';
import { apiVersionMiddleware } from './middleware/api-version.js';
import { authRoutes } from './routes/auth.js';
import { buildRoutes } from './routes/build.js';
import { commitRoutes } from './routes/commit.js';
import { containersRoutes } from './routes/containers.js';
import { containerFilesRoutes } from './routes/containers-files.js';
import { containerOpsRoutes } from './routes/containers-ops.js';
import { eventsRoutes } from './routes/events.js';
import { execRoutes } from './routes/exec.js';
import { imagesRoutes } from './routes/images.js';
import { imagesTransferRoutes } from './routes/images-transfer.js';
import { networksRoutes } from './routes/networks.js';
import { systemRoutes } from './routes/system.js';
import { volumesRoutes } from './routes/volumes.js';

export interface CreateAppOptions {
  /** Extra routes (tests, later resources), mounted after the built-in ones. */
  extend?: (app: Hono<ApiEnv>) => void;
}

/**
 * The Engine API as a hono app. Every route is reachable bare and under /vX.Y (routing
 * ignores the prefix; the version middleware reads and checks it).
 */
export function createApp(backends: Backends, options: CreateAppOptions = {}): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({
    getPath: (req) => splitVersionedPath(pathnameOf(req.url)).path,
  });
  app.use('*', accessLogMiddleware());
  app.use('*', apiVersionMiddleware());

  app.route('/', systemRoutes(backends.system));
  app.route('/', eventsRoutes(backends.events));
  if (backends.images) app.route('/', imagesRoutes(backends.images));
  // After the images routes: POST /images/create with fromSrc falls through to import.
  if (backends.imageTransfer) app.route('/', imagesTransferRoutes(backends.imageTransfer));
  if (backends.auth) app.route('/', authRoutes(backends.auth));
  if (backends.containers) app.route('/', containersRoutes(backends.containers));
  if (backends.containerOps) app.route('/', containerOpsRoutes(backends.containerOps));
  if (backends.containerFiles) app.route('/', containerFilesRoutes(backends.containerFiles));
  if (backends.commit) app.route('/', commitRoutes(backends.commit));
  if (backends.build) app.route('/', buildRoutes(backends.build));
  if (backends.networks) app.route('/', networksRoutes(backends.networks));
  if (backends.exec) app.route('/', execRoutes(backends.exec));
  if (backends.volumes) app.route('/', volumesRoutes(backends.volumes));
  options.extend?.(app);

  app.notFound((c) => c.json({ message: 'page not found' }, 404, { 'API-Version': MAX_API_VERSION }));
  app.onError((err, c) => {
    const { status, body } = errorAnswer(err, { method: c.req.method, path: c.req.url });
    const headers = { 'API-Version': MAX_API_VERSION };
    // 304 may not carry a body.
    if (status === 304) return c.body(null, 304, headers);
    return c.json(body, status as 400, headers);
  });
  return app;
}
