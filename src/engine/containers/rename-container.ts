import { InvalidParameter } from '../../errdefs/index.js';
import { normalizeName } from './names.js';
import type { ServiceContext } from './service-context.js';

/** POST /containers/{id}/rename. */
export async function renameContainer(ctx: ServiceContext, ref: string, newName: string): Promise<void> {
  const { registry } = ctx;
  const c = registry.get(ref);
  const name = normalizeName(newName);
  if (name === c.record.name)
    throw new InvalidParameter(`Renaming a container with the same name as its current name`);
  const old = c.record.name;
  registry.claimName(name, c.id);
  registry.releaseName(old);
  c.record = { ...c.record, name };
  await c.saveRecord();
  ctx.publish(c, 'rename', { oldName: old });
}
