import { probe } from '../../drivers/exec.js';
import type { CheckContext } from './context.js';
import { findProgram } from './find-program.js';
import { installFix, installSame } from './fixes.js';
import type { CheckResult, Fix } from './types.js';

interface ProgramSpec {
  id: string;
  /** Executable names tried in order; the first found passes. */
  names: string[];
  title: string;
  fix: Fix;
  blocksStart: boolean;
  /** What goes wrong without it. */
  without: string;
}

/**
 * The line of `--version` that names the program (fuse-overlayfs prints fusermount's first),
 * else its first line; empty when the program printed none.
 */
async function versionOf(path: string, name: string): Promise<string> {
  const out = await probe(path, ['--version']);
  const lines = `${out?.stdout ?? ''}\n${out?.stderr ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => l.startsWith(name)) ?? lines[0] ?? '';
}

async function checkProgram(spec: ProgramSpec, ctx: CheckContext): Promise<CheckResult> {
  const base = { id: spec.id, title: spec.title, blocksStart: spec.blocksStart };
  for (const name of spec.names) {
    const path = await findProgram(name, ctx.env);
    if (!path) continue;
    const version = await versionOf(path, name);
    return { ...base, status: 'pass', detail: version ? `${path}: ${version}` : path };
  }
  return {
    ...base,
    status: 'fail',
    detail: `${spec.names.join(' or ')} not found: ${spec.without}`,
    fix: spec.fix,
  };
}

const SPECS: ProgramSpec[] = [
  {
    id: 'runc',
    names: ['runc'],
    title: 'runc',
    fix: installSame('runc'),
    blocksStart: true,
    without: 'no container can run',
  },
  {
    id: 'conmon',
    names: ['conmon'],
    title: 'conmon',
    fix: installSame('conmon'),
    blocksStart: true,
    without: 'no container can be monitored',
  },
  {
    id: 'catatonit',
    names: ['catatonit'],
    title: 'catatonit',
    fix: installSame('catatonit'),
    blocksStart: true,
    without: 'the namespace holder cannot start',
  },
  {
    id: 'slirp4netns',
    names: ['slirp4netns'],
    title: 'slirp4netns',
    fix: installSame('slirp4netns'),
    blocksStart: true,
    without: 'containers get no network',
  },
  {
    id: 'firewall',
    names: ['nft', 'iptables'],
    title: 'nftables or iptables',
    fix: installSame('nftables'),
    blocksStart: false,
    without: 'containers on bridge networks cannot reach the outside (no NAT)',
  },
];

/** runc, conmon, catatonit, slirp4netns and nft/iptables, found in PATH or the sbin folders. */
export async function checkPrograms(ctx: CheckContext): Promise<CheckResult[]> {
  return Promise.all(SPECS.map((spec) => checkProgram(spec, ctx)));
}

/**
 * fuse-overlayfs: needed when native overlay does not work; a warning otherwise (it is the
 * fallback, and `storage-driver: fuse-overlayfs` asks for it).
 */
export async function checkFuseOverlayfs(ctx: CheckContext, nativeOverlay: boolean): Promise<CheckResult> {
  const result = await checkProgram(
    {
      id: 'fuse-overlayfs',
      names: ['fuse-overlayfs'],
      title: 'fuse-overlayfs',
      fix: installFix({ apt: 'fuse-overlayfs fuse3', dnf: 'fuse-overlayfs', zypper: 'fuse-overlayfs' }),
      blocksStart: !nativeOverlay,
      without: nativeOverlay
        ? 'native overlay will be used; storage-driver "fuse-overlayfs" is unavailable'
        : 'no storage driver can run (native overlay does not work either)',
    },
    ctx,
  );
  return result.status === 'fail' && nativeOverlay ? { ...result, status: 'warn' } : result;
}
