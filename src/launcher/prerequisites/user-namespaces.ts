import { tryUserNamespace } from '../../drivers/userns-probe.js';
import type { CheckContext } from './context.js';
import { readSysctl } from './sysctl.js';
import type { CheckResult, Fix } from './types.js';

const MAX_USER_NS = '/proc/sys/user/max_user_namespaces';
const DEBIAN_CLONE = '/proc/sys/kernel/unprivileged_userns_clone';
const UBUNTU_APPARMOR = '/proc/sys/kernel/apparmor_restrict_unprivileged_userns';

function persist(key: string, value: number): string {
  return `sysctl -w ${key}=${value} && echo '${key}=${value}' > /etc/sysctl.d/90-rootlessd-userns.conf`;
}

/**
 * User namespaces must be allowed for unprivileged users: the sysctls of mainline,
 * Debian and Ubuntu kernels, then a real `unshare --user` as the final word.
 */
export async function checkUserNamespaces(ctx: CheckContext): Promise<CheckResult> {
  const base = { id: 'userns', title: 'user namespaces', blocksStart: true };
  const problems: string[] = [];
  const fixes: string[] = [];
  const max = await readSysctl(MAX_USER_NS);
  if (max !== undefined && max <= 0) {
    problems.push(`user.max_user_namespaces is ${max}`);
    fixes.push(persist('user.max_user_namespaces', 28633));
  }
  const clone = await readSysctl(DEBIAN_CLONE);
  if (clone === 0 && ctx.uid !== 0) {
    problems.push('kernel.unprivileged_userns_clone is 0');
    fixes.push(persist('kernel.unprivileged_userns_clone', 1));
  }
  const apparmor = await readSysctl(UBUNTU_APPARMOR);
  if (apparmor === 1 && ctx.uid !== 0) {
    problems.push('kernel.apparmor_restrict_unprivileged_userns is 1 (AppArmor denies capabilities inside)');
    fixes.push(persist('kernel.apparmor_restrict_unprivileged_userns', 0));
  }
  const probe = await tryUserNamespace();
  if (probe.ok) {
    const seen = [`max_user_namespaces=${max ?? 'n/a'}`];
    if (clone !== undefined) seen.push(`unprivileged_userns_clone=${clone}`);
    if (apparmor !== undefined) seen.push(`apparmor_restrict_unprivileged_userns=${apparmor}`);
    // A sysctl that looks wrong but a namespace that works: trust the measurement.
    return { ...base, status: 'pass', detail: `unshare --user works (${seen.join(', ')})` };
  }
  problems.push(`unshare --user --map-root-user failed: ${probe.error ?? 'unknown error'}`);
  const fix: Fix | undefined = fixes.length ? { any: fixes.join('\n') } : undefined;
  return { ...base, status: 'fail', detail: problems.join('; '), ...(fix ? { fix } : {}) };
}
