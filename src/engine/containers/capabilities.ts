import { InvalidParameter } from '../../errdefs/index.js';

/** Docker's default capability set. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

export const ALL_CAPABILITIES = [
  'CAP_AUDIT_CONTROL',
  'CAP_AUDIT_READ',
  'CAP_AUDIT_WRITE',
  'CAP_BLOCK_SUSPEND',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_KILL',
  'CAP_LEASE',
  'CAP_LINUX_IMMUTABLE',
  'CAP_MAC_ADMIN',
  'CAP_MAC_OVERRIDE',
  'CAP_MKNOD',
  'CAP_NET_ADMIN',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_RAW',
  'CAP_PERFMON',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYSLOG',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_CHROOT',
  'CAP_SYS_MODULE',
  'CAP_SYS_NICE',
  'CAP_SYS_PACCT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_WAKE_ALARM',
];

function normalize(cap: string): string {
  const upper = cap.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!ALL_CAPABILITIES.includes(name)) throw new InvalidParameter(`unknown capability: "${cap}"`);
  return name;
}

/** Docker's rule: start from the defaults (or all when privileged), add, then drop. */
export function capabilitySet(options: {
  privileged?: boolean | null;
  capAdd?: readonly string[] | null;
  capDrop?: readonly string[] | null;
}): string[] {
  if (options.privileged) return [...ALL_CAPABILITIES];
  const add = (options.capAdd ?? []).map(normalize);
  const drop = (options.capDrop ?? []).map(normalize);
  let caps = new Set(DEFAULT_CAPABILITIES);
  if (add.includes('ALL')) caps = new Set(ALL_CAPABILITIES);
  else for (const c of add) caps.add(c);
  if (drop.includes('ALL')) caps = new Set(add.filter((c) => c !== 'ALL'));
  else for (const c of drop) if (!add.includes(c)) caps.delete(c);
  return ALL_CAPABILITIES.filter((c) => caps.has(c));
}
