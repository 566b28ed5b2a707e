import { InvalidParameter, NotFound } from '../../errdefs/index.js';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

/** What a manifest GET accepts, best first. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.ociManifest,
] as const;

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList;
}

export function isManifestMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.dockerManifest || mediaType === MEDIA_TYPES.ociManifest;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform & { 'os.version'?: string };
  urls?: string[];
  annotations?: Record<string, string>;
}

/** An image manifest (Docker schema2 or OCI). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** A Docker manifest list or OCI index. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

const GO_ARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** This host's platform in Go's names (linux/amd64 on x64). */
export function hostPlatform(): Platform {
  const architecture = GO_ARCH[process.arch] ?? process.arch;
  if (architecture === 'arm64') return { os: 'linux', architecture, variant: 'v8' };
  if (architecture === 'arm')
    return {
      os: 'linux',
      architecture,
      variant: `v${(process.config.variables as { arm_version?: string }).arm_version ?? '7'}`,
    };
  return { os: 'linux', architecture };
}

const KNOWN_OS = new Set(['linux', 'windows', 'darwin', 'freebsd']);
const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
};

/** Parses Docker's `platform` parameter: `os/arch[/variant]`, `os`, or `arch`. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length > 3 || parts.some((p) => p === '')) {
    throw new InvalidParameter(`"${text}": unknown operating system or architecture: invalid argument`);
  }
  const norm = (arch: string) => ARCH_ALIASES[arch] ?? arch;
  if (parts.length === 1) {
    const only = parts[0] ?? '';
    if (KNOWN_OS.has(only)) return { os: only, architecture: hostPlatform().architecture };
    return { os: 'linux', architecture: norm(only) };
  }
  const p: Platform = { os: parts[0] ?? '', architecture: norm(parts[1] ?? '') };
  if (parts[2]) p.variant = parts[2];
  return p;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function variantOf(p: Platform): string {
  if (p.architecture === 'arm64' && (p.variant === undefined || p.variant === '' || p.variant === 'v8'))
    return 'v8';
  return p.variant ?? '';
}

/** Whether an index entry's platform satisfies the wanted one (no variant wanted: any). */
export function platformMatches(wanted: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  if (have.os !== wanted.os || have.architecture !== wanted.architecture) return false;
  if (!wanted.variant && wanted.architecture !== 'arm64') return true;
  return variantOf(have) === variantOf(wanted);
}

/** Picks the manifest for a platform from an index, as Docker does; NotFound with Docker's text otherwise. */
export function selectManifest(index: ImageIndex, wanted: Platform): Descriptor {
  const candidates = index.manifests.filter(
    (d) => isManifestMediaType(d.mediaType) || d.mediaType === undefined,
  );
  const found =
    candidates.find(
      (d) => platformMatches(wanted, d.platform) && (d.platform?.variant ?? '') === (wanted.variant ?? ''),
    ) ?? candidates.find((d) => platformMatches(wanted, d.platform));
  if (!found)
    throw new NotFound(`no matching manifest for ${formatPlatform(wanted)} in the manifest list entries`);
  return found;
}

/** Parses manifest bytes and checks they are the kind the media type says. */
export function parseManifestBytes(bytes: Buffer, mediaType: string): ImageManifest | ImageIndex {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new InvalidParameter('the registry sent a manifest that is not valid JSON', { cause: err });
  }
  const v = value as Partial<ImageManifest & ImageIndex>;
  if (!v || typeof v !== 'object' || v.schemaVersion !== 2) {
    throw new InvalidParameter(
      `unsupported manifest (schemaVersion ${String(v?.schemaVersion)}, media type ${mediaType})`,
    );
  }
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(v.manifests)) throw new InvalidParameter('the manifest list has no manifests');
    return v as ImageIndex;
  }
  if (!v.config || !Array.isArray(v.layers))
    throw new InvalidParameter('the image manifest has no config or layers');
  return v as ImageManifest;
}

/** The media type of manifest bytes: the Content-Type unless generic, else the body's `mediaType` or its shape. */
export function detectMediaType(contentType: string | undefined, bytes: Buffer): string {
  const ct = (contentType ?? '').split(';')[0]?.trim() ?? '';
  if (ct && ct !== 'application/json' && ct !== 'text/plain' && ct !== 'application/octet-stream') return ct;
  try {
    const v = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown };
    if (typeof v.mediaType === 'string') return v.mediaType;
    return Array.isArray(v.manifests) ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
  } catch {
    return ct;
  }
}
