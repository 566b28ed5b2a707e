import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger, span } from '../../log/index.js';
import type { ContainerCreateRequest, ContainerCreateResponse } from '../../types/container-create.js';
import { buildRecord } from './create-record.js';
import { LiveContainer } from './live-container.js';
import { generateName, newContainerId, normalizeName } from './names.js';
import { containerPaths } from './paths.js';
import { configOf, hostConfigOf, initialState } from './record.js';
import type { ServiceContext } from './service-context.js';
import { snapshotKey } from './start-container.js';

const log = moduleLogger('containers');

/**
 * POST /containers/create: the record, the volumes and the writable layer. The name is taken
 * first and given back, with everything made so far, when a later step fails.
 */
export async function createContainer(
  ctx: ServiceContext,
  req: ContainerCreateRequest,
  name: string | undefined,
): Promise<ContainerCreateResponse> {
  const { o, registry } = ctx;
  if (!req.Image) throw new InvalidParameter('config cannot be empty in order to create a container');
  const id = newContainerId();
  const t = { id: id.slice(0, 12) };
  const image = await span(log, 'image-resolve', t, () => o.images.resolve(req.Image as string));
  const fullName = name
    ? normalizeName(name)
    : `/${generateName((n) => registry.nameHolder(n) !== undefined)}`;
  registry.claimName(fullName, id);
  try {
    const { record, warnings } = buildRecord(req, image, {
      id,
      name: fullName,
      driver: await o.driverName(),
      ...(o.logDefaults ? { logDefaults: o.logDefaults() } : {}),
    });
    const c = new LiveContainer(record, initialState(), containerPaths(o.layout, id));
    mkdirSync(c.paths.dir, { recursive: true });
    const hcr = hostConfigOf(record);
    await span(log, 'volumes-attach', t, async () =>
      o.volumes?.attach(id, c.paths.dir, {
        binds: hcr.Binds ?? [],
        mounts: hcr.Mounts ?? [],
        volumes: configOf(record).Volumes ?? undefined,
      }),
    );
    const snapshotter = await o.snapshotter();
    await span(log, 'snapshot-prepare', t, () => snapshotter.prepare(snapshotKey(id), image.chainId));
    // No state.json yet: a container without one loads with the initial state, as it is now.
    await span(log, 'save-record', t, () => c.saveRecord());
    registry.add(c);
    ctx.publish(c, 'create');
    return { Id: id, Warnings: warnings };
  } catch (err) {
    registry.releaseName(fullName);
    await o.volumes?.detach(id, true);
    await rm(containerPaths(o.layout, id).dir, { recursive: true, force: true });
    throw err;
  }
}
