import type { ContainerInspect, ContainerSummary } from '../../types/container-inspect.js';
import { compileListFilter, type Filters } from './list-filter.js';
import type { LiveContainer } from './live-container.js';
import type { ContainerServiceOptions, ServiceContext } from './service-context.js';
import { snapshotKey } from './start-container.js';
import { inspectView, summaryView } from './views.js';

export interface ListOptions {
  all: boolean;
  limit?: number;
  filters: Filters;
  size?: boolean;
}

/** GET /containers/{id}/json: the record's view with the live networks and mounts. */
export function inspectContainer(ctx: ServiceContext, ref: string): ContainerInspect {
  const { o } = ctx;
  const c = ctx.registry.get(ref);
  const view = inspectView(c);
  if (o.networking) view.NetworkSettings = { ...o.networking.settings(c) };
  if (o.volumes) view.Mounts = o.volumes.mountPoints(c.id);
  return view;
}

/** GET /containers/json: newest first, running only unless `all` or a status filter. */
export function listContainers(
  ctx: ServiceContext,
  options: ListOptions,
): ContainerSummary[] | Promise<ContainerSummary[]> {
  const { o, registry } = ctx;
  const match = compileListFilter(
    options.filters,
    (r) => registry.get(r),
    (c, a) =>
      c.record.image === a ||
      c.record.imageId === a ||
      c.record.imageId.replace(/^sha256:/, '').startsWith(a) ||
      c.record.image === `${a}:latest`,
    (c) => ({
      mounts: o.volumes?.mountPoints(c.id) ?? [],
      networks: o.networking?.settings(c).Networks ?? {},
    }),
  );
  let all = registry.all().sort((a, b) => (a.record.created < b.record.created ? 1 : -1));
  if (!options.all && !options.filters.status?.length) all = all.filter((c) => c.running);
  all = all.filter(match);
  if (options.limit !== undefined && options.limit > 0) all = all.slice(0, options.limit);
  const net = o.networking;
  const views = all.map((c) => {
    const view = summaryView(c);
    if (o.volumes) view.Mounts = o.volumes.mountPoints(c.id);
    if (net) {
      view.Ports = net.ports(c);
      view.NetworkSettings = { Networks: { ...net.settings(c).Networks } };
    }
    return { c, view };
  });
  return options.size ? withSizes(o, views) : views.map((v) => v.view);
}

/**
 * `size=1` on list and inspect: `SizeRw` is what the writable layer holds (its upper dir,
 * hard links once), `SizeRootFs` that plus the image's layers, as Docker counts them.
 */
export async function containerSizes(
  o: ContainerServiceOptions,
  c: LiveContainer,
): Promise<{ SizeRw: number; SizeRootFs: number }> {
  const snapshotter = await o.snapshotter();
  const rw = await snapshotter
    .usage(snapshotKey(c.id))
    .then((u) => u.size)
    .catch(() => 0);
  const image = (await o.images.size?.(c.record.imageId).catch(() => 0)) ?? 0;
  return { SizeRw: rw, SizeRootFs: rw + image };
}

async function withSizes<T extends object>(
  o: ContainerServiceOptions,
  views: Array<{ c: LiveContainer; view: T }>,
): Promise<T[]> {
  return Promise.all(views.map(async ({ c, view }) => ({ ...view, ...(await containerSizes(o, c)) })));
}
