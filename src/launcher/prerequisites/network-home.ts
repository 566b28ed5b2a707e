import { localDataRoot } from '../../config/data-root.js';
import { networkFsOf } from '../../config/filesystem.js';
import type { CheckContext } from './context.js';
import type { CheckResult } from './types.js';

/**
 * Overlay file systems and xattrs misbehave on NFS: with a home there the data root moves
 * to local disk (unless daemon.json's data-root says otherwise).
 */
export async function checkNetworkHome(ctx: CheckContext): Promise<CheckResult> {
  const base = { id: 'home-nfs', title: 'home on local disk', blocksStart: false };
  let fs: string | undefined;
  try {
    fs = await networkFsOf(ctx.xdg.dataHome);
  } catch (err) {
    return {
      ...base,
      status: 'warn',
      detail: `cannot tell the file system of ${ctx.xdg.dataHome}: ${String(err)}`,
    };
  }
  if (!fs) return { ...base, status: 'pass', detail: `${ctx.xdg.dataHome} is on a local file system` };
  return {
    ...base,
    status: 'warn',
    detail: `${ctx.xdg.dataHome} is on ${fs}: the data root moves to ${localDataRoot(ctx.uid)} (set "data-root" in daemon.json to choose another local folder)`,
  };
}
