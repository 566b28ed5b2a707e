import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { InvalidParameter, NotFound } from '../../errdefs/index.js';
import { moduleLogger, span } from '../../log/index.js';
import type { ContainerCreateRequest, ContainerCreateResponse } from '../../types/container-create.js';
import { parseLink } from '../networks/legacy-links.js';
import { formatPlatform, type Platform, parsePlatform, platformMatches } from '../registry/manifest.js';
import { parseVolumesFrom } from '../volumes/mount-plan.js';
import { buildRecord } from './create-record.js';
import type { ContainerImage } from './image-lookup.js';
import { LiveContainer } from './live-container.js';
import { generateName, newContainerId, normalizeName } from './names.js';
import { containerPaths } from './paths.js';
import { configOf, hostConfigOf, initialState } from './record.js';
import type { ServiceContext } from './service-context.js';
import { snapshotKey } from './start-container.js';

const log = moduleLogger('containers');

/** Docker's GetImage with a platform: an image of another platform is not the one asked for. */
export function checkPlatform(ref: string, image: ContainerImage, platform: string): void {
  const wanted = parsePlatform(platform);
  const cfg = image.config as { os?: unknown; architecture?: unknown; variant?: unknown };
  const have: Platform = { os: String(cfg.os ?? ''), architecture: String(cfg.architecture ?? '') };
  if (typeof cfg.variant === 'string' && cfg.variant) have.variant = cfg.variant;
  if (!platformMatches(wanted, have))
    throw new NotFound(
      `image with reference ${ref} was found but does not match the specified platform: wanted ${formatPlatform(wanted)}, actual: ${formatPlatform(have)}`,
    );
}

/**
 * POST /containers/create: the record, the volumes and the writable layer. The name is taken
 * first and given back, with everything made so far, when a later step fails.
 */
export async function createContainer(
  ctx: ServiceContext,
  req: ContainerCreateRequest,
  name: string | undefined,
  platform?: string,
  resolved?: ContainerImage,
): Promise<ContainerCreateResponse> {
  const { o, registry } = ctx;
  if (!req.Image) throw new InvalidParameter('config cannot be empty in order to create a container');
  const id = newContainerId();
  const t = { id: id.slice(0, 12) };
  // The builder passes the image it resolved (or an empty one for `FROM scratch`).
  const image =
    resolved ?? (await span(log, 'image-resolve', t, () => o.images.resolve(req.Image as string)));
  if (platform) checkPlatform(req.Image, image, platform);
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
    // Containers the new one refers to (Docker's registerMountPoints and registerLinks): an
    // unknown one is a 400 here, not a 404, which the CLI would take for a missing image and pull.
    const referenced = (ref: string, prefix = ''): string => {
      try {
        return registry.get(ref).id;
      } catch (err) {
        throw new InvalidParameter(`${prefix}${(err as Error).message}`, { cause: err });
      }
    };
    const volumesFrom = (hcr.VolumesFrom ?? []).map((spec) => {
      const { container, readOnly } = parseVolumesFrom(spec);
      return { id: referenced(container), readOnly };
    });
    for (const link of hcr.Links ?? []) {
      const { target } = parseLink(link);
      referenced(target, `could not get container for ${target}: `);
    }
    await span(log, 'volumes-attach', t, async () =>
      o.volumes?.attach(id, c.paths.dir, {
        binds: hcr.Binds ?? [],
        mounts: hcr.Mounts ?? [],
        volumes: configOf(record).Volumes ?? undefined,
        volumesFrom,
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
