import { access, constants, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckContext } from './context.js';
import type { CheckResult } from './types.js';

/** The controllers resource limits need. */
const WANTED = ['cpu', 'memory', 'pids', 'io'];

const DELEGATE_FIX = {
  any: [
    'mkdir -p /etc/systemd/system/user@.service.d',
    `printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf`,
    'systemctl daemon-reload  # then log out and in again',
  ].join('\n'),
};

const GRUB_SED = `sed -i 's/^GRUB_CMDLINE_LINUX="/&systemd.unified_cgroup_hierarchy=1 /' /etc/default/grub`;

/** Boots with the unified (v2 only) hierarchy; a reboot follows. */
const UNIFIED_FIX = {
  apt: `${GRUB_SED} && update-grub`,
  dnf: 'grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=1',
  zypper: `${GRUB_SED} && grub2-mkconfig -o /boot/grub2/grub.cfg`,
  any: 'reboot  # to boot with cgroup v2 only',
};

export interface CgroupFacts {
  /** Mount point of the cgroup2 file system, if any. */
  v2Mount?: string;
  /** Whether any cgroup v1 hierarchy is mounted too (hybrid mode). */
  v1Mounted: boolean;
  /** This process's path in the v2 hierarchy ("0::PATH"). */
  v2Path?: string;
}

function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Reads cgroup mounts from mountinfo text and this process's cgroup from /proc/self/cgroup text. */
export function parseCgroupFacts(mountinfo: string, procCgroup: string): CgroupFacts {
  const facts: CgroupFacts = { v1Mounted: false };
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fstype = right.split(' ')[0];
    const mountPoint = left.split(' ')[4];
    if (!mountPoint) continue;
    if (fstype === 'cgroup2' && !facts.v2Mount) facts.v2Mount = unescapeMount(mountPoint);
    if (fstype === 'cgroup') facts.v1Mounted = true;
  }
  const v2 = procCgroup.split('\n').find((l) => l.startsWith('0::'));
  if (v2) facts.v2Path = v2.slice(3).trim();
  return facts;
}

/**
 * Resource limits (memory, cpu, pids) need a cgroup v2 subtree the user may write to,
 * delegated by systemd. Without it, the daemon runs containers without limits and says so.
 */
export async function checkCgroupDelegation(
  _ctx: CheckContext,
  files = { mountinfo: '/proc/self/mountinfo', cgroup: '/proc/self/cgroup' },
): Promise<CheckResult> {
  const base = { id: 'cgroup', title: 'cgroup v2 delegation', blocksStart: false };
  const facts = parseCgroupFacts(
    await readFile(files.mountinfo, 'utf8').catch(() => ''),
    await readFile(files.cgroup, 'utf8').catch(() => ''),
  );
  const discarded = 'resource limits (--memory, --cpus, --pids-limit) will be discarded';
  if (!facts.v2Mount || facts.v2Path === undefined) {
    return { ...base, status: 'warn', detail: `no cgroup v2 hierarchy: ${discarded}`, fix: UNIFIED_FIX };
  }
  if (facts.v1Mounted) {
    return {
      ...base,
      status: 'warn',
      detail: `hybrid cgroups (v1 controllers mounted, v2 at ${facts.v2Mount}): ${discarded}`,
      fix: UNIFIED_FIX,
    };
  }
  const dir = join(facts.v2Mount, facts.v2Path);
  try {
    await access(dir, constants.W_OK);
    await access(join(dir, 'cgroup.subtree_control'), constants.W_OK);
  } catch {
    return { ...base, status: 'warn', detail: `${dir} is not writable: ${discarded}`, fix: DELEGATE_FIX };
  }
  const controllers = (await readFile(join(dir, 'cgroup.controllers'), 'utf8').catch(() => ''))
    .trim()
    .split(/\s+/);
  const missing = WANTED.filter((c) => !controllers.includes(c));
  if (missing.length) {
    return {
      ...base,
      status: 'warn',
      detail: `${dir} lacks the ${missing.join(', ')} controller(s): those limits will be discarded`,
      fix: DELEGATE_FIX,
    };
  }
  return { ...base, status: 'pass', detail: `${dir} is writable with ${controllers.join(' ')}` };
}
