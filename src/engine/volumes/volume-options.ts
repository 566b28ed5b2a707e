import { InvalidParameter } from '../../errdefs/index.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** Docker's label for volumes created for a container's anonymous mounts. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/** Docker's rule for local volume names. */
export function validateVolumeName(name: string): void {
  if (name.length === 1)
    throw new InvalidParameter(
      `create ${name}: volume name is too short, names should be at least two alphanumeric characters`,
    );
  if (!NAME_RE.test(name))
    throw new InvalidParameter(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
}

/** How a volume with driver options is mounted into a container. */
export type VolumeBacking =
  | { kind: 'data' }
  | { kind: 'tmpfs'; options: string[] }
  | { kind: 'bind'; device: string; options: string[] };

/**
 * The `local` driver's options a user without privileges can use: `type=tmpfs` (with `o`) and
 * `type=none,o=bind,device=/path`. Anything else is a clear 400.
 */
export function validateDriverOptions(name: string, opts: Record<string, string>): VolumeBacking {
  for (const key of Object.keys(opts)) {
    if (key !== 'type' && key !== 'o' && key !== 'device')
      throw new InvalidParameter(`create ${name}: invalid option key: "${key}"`);
  }
  const type = opts.type ?? '';
  const o = (opts.o ?? '').split(',').filter(Boolean);
  const device = opts.device ?? '';
  if (Object.keys(opts).length === 0) return { kind: 'data' };
  if (type === 'tmpfs') {
    for (const opt of o) {
      const key = opt.split('=')[0] ?? '';
      if (
        ![
          'size',
          'mode',
          'uid',
          'gid',
          'nr_inodes',
          'nr_blocks',
          'noexec',
          'nosuid',
          'nodev',
          'exec',
          'suid',
          'dev',
          'ro',
          'rw',
        ].includes(key)
      )
        throw new InvalidParameter(`create ${name}: tmpfs option "${opt}" is not supported by rootlessd`);
    }
    return { kind: 'tmpfs', options: o };
  }
  if ((type === 'none' || type === '' || type === 'bind') && (o.includes('bind') || o.includes('rbind'))) {
    if (!device.startsWith('/'))
      throw new InvalidParameter(`create ${name}: bind device must be an absolute path, got "${device}"`);
    const rest = o.filter((x) => x !== 'bind' && x !== 'rbind');
    for (const opt of rest) {
      if (!['ro', 'rw', 'private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared'].includes(opt))
        throw new InvalidParameter(`create ${name}: bind option "${opt}" is not supported by rootlessd`);
    }
    return { kind: 'bind', device, options: ['rbind', ...rest] };
  }
  throw new InvalidParameter(
    `create ${name}: local volume options type=${type || '(none)'} o=${opts.o ?? ''} are not supported by rootlessd: only type=tmpfs and type=none,o=bind,device=/path can be mounted without privileges`,
  );
}
