import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { moduleLogger } from '../../log/index.js';

const log = moduleLogger('containers.seccomp');

/**
 * Compiled seccomp filters, reused across creates (crun only).
 *
 * crun turns a container's `linux.seccomp` section into BPF with libseccomp at every create:
 * about 20 ms of CPU on these VMs for the default profile, the largest part of `crun create`.
 * crun keeps the filter it loaded as `seccomp.bpf` in the container's state folder, and it takes
 * a compiled filter through its documented `run.oci.seccomp_bpf_data` annotation (base64 of the
 * raw `struct sock_filter` array), in which case it loads that and skips compiling. So the
 * first create of each distinct section compiles as before; later ones carry the filter crun
 * produced for the same section. The section stays in the spec, for readers of the bundle.
 *
 * Keyed by a hash of the section as written, so a different profile, capability set or
 * architecture is a different entry. Kept in memory only (a few KiB each, at most MAX).
 */
export const BPF_ANNOTATION = 'run.oci.seccomp_bpf_data';
const MAX = 32;
/** A `struct sock_filter` is 8 bytes; the kernel takes at most 4096 of them. */
const INSTRUCTION = 8;
const MAX_INSTRUCTIONS = 4096;

const filters = new Map<string, string>();

/** The cache key of a spec's seccomp section, or undefined when it has none. */
export function seccompKey(spec: Record<string, unknown>): string | undefined {
  const section = (spec.linux as { seccomp?: unknown } | undefined)?.seccomp;
  if (section === undefined) return undefined;
  return createHash('sha256').update(JSON.stringify(section)).digest('hex');
}

/** Adds the compiled filter for `key` to the spec's annotations; false when none is known yet. */
export function annotateSeccomp(spec: Record<string, unknown>, key: string): boolean {
  const data = filters.get(key);
  if (data === undefined) return false;
  spec.annotations = { ...(spec.annotations as Record<string, string> | undefined), [BPF_ANNOTATION]: data };
  return true;
}

/** True when `bytes` can be a classic BPF program: whole instructions, within the kernel's limit. */
export function plausibleFilter(bytes: Buffer): boolean {
  return (
    bytes.length > 0 && bytes.length % INSTRUCTION === 0 && bytes.length / INSTRUCTION <= MAX_INSTRUCTIONS
  );
}

/**
 * After a create that compiled `key`'s section: keeps the filter crun left in the container's
 * state folder (`<runtime root>/<id>/seccomp.bpf`). Never throws: without it, creates compile.
 */
export async function learnSeccomp(key: string, stateDir: string): Promise<void> {
  if (filters.has(key)) return;
  try {
    const bytes = await readFile(join(stateDir, 'seccomp.bpf'));
    if (!plausibleFilter(bytes)) return;
    if (filters.size >= MAX) filters.delete(filters.keys().next().value as string);
    filters.set(key, bytes.toString('base64'));
    log.debug({ bytes: bytes.length }, 'seccomp filter kept for reuse');
  } catch {
    // Another crun version may keep no such file: creates then go on compiling.
  }
}

/** For tests. */
export function forgetSeccompFilters(): void {
  filters.clear();
}
