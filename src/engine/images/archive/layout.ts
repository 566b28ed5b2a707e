/** Names and shapes of the docker-archive / OCI image layout that save writes and load reads. */

export const OCI_LAYOUT_FILE = 'oci-layout';
export const OCI_LAYOUT_CONTENT = `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}`;
export const INDEX_FILE = 'index.json';
export const MANIFEST_FILE = 'manifest.json';
export const REPOSITORIES_FILE = 'repositories';

/** The annotation containerd and Docker 25+ put the full image name in. */
export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
/** The OCI annotation: a tag, or (as Docker writes it) a full reference. */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';

/** `blobs/sha256/<hex>` for a digest. */
export function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `blobs/${algorithm}/${hex}`;
}

/** One entry of manifest.json (the docker-archive part). */
export interface ArchiveManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}
