import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InvalidParameter } from '../../../errdefs/index.js';
import { lazySchema } from '../../../types/lazy-schema.js';
import {
  type Descriptor,
  hostPlatform,
  type ImageManifest,
  isIndexMediaType,
  MEDIA_TYPES,
  platformMatches,
} from '../../registry/manifest.js';
import { normalizedString, parseNormalizedNamed, withDefaultTag } from '../reference.js';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, blobPath, INDEX_FILE, MANIFEST_FILE } from './layout.js';
import type { SpooledArchive, SpooledFile } from './spool-archive.js';

/** One image found in an archive, every file present and every `blobs/` digest checked. */
export interface ArchiveEntry {
  config: SpooledFile;
  layers: { file: SpooledFile; mediaType?: string }[];
  /** Normalised `name:tag` references to set. */
  tags: string[];
  /** The archive's own manifest for the image (OCI layout), when it has one. */
  manifest?: { bytes: Buffer; digest: string; mediaType: string };
}

const ManifestJsonSchema = lazySchema(() =>
  z.array(
    z.object({
      Config: z.string(),
      RepoTags: z.array(z.string()).nullish(),
      Layers: z.array(z.string()).nullish(),
    }),
  ),
);

const bad = (what: string) => new InvalidParameter(`invalid image archive: ${what}`);

/** A file named in the archive; a `blobs/<alg>/<hex>` file must hash to its name. */
function need(archive: SpooledArchive, name: string): SpooledFile {
  const f = archive.file(name);
  if (!f) throw bad(`${name} is missing`);
  const m = /^(?:\.\/)?blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
  if (m && f.digest !== `sha256:${m[1]}`) throw bad(`${name} hashes to ${f.digest}`);
  return f;
}

async function readJson(file: SpooledFile, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file.path, 'utf8'));
  } catch (err) {
    throw bad(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

function checkDescriptor(d: Descriptor, f: SpooledFile): void {
  if (f.size !== d.size) throw bad(`blob ${d.digest} is ${f.size} bytes, its descriptor says ${d.size}`);
}

/** The image manifests an index names (nested indexes followed; host platform first; missing ones skipped). */
async function manifestsOf(
  archive: SpooledArchive,
  index: { manifests?: Descriptor[] },
  depth = 0,
): Promise<{ desc: Descriptor; bytes: Buffer; parsed: ImageManifest; outer: Descriptor }[]> {
  if (depth > 4) throw bad('index nesting is too deep');
  const out: { desc: Descriptor; bytes: Buffer; parsed: ImageManifest; outer: Descriptor }[] = [];
  const host = hostPlatform();
  const list = [...(index.manifests ?? [])].sort(
    (a, b) => Number(platformMatches(host, b.platform)) - Number(platformMatches(host, a.platform)),
  );
  for (const d of list) {
    if (!d || typeof d.digest !== 'string') throw bad('an index entry has no digest');
    if (!archive.file(blobPath(d.digest))) continue;
    const f = need(archive, blobPath(d.digest));
    checkDescriptor(d, f);
    const bytes = await readFile(f.path);
    const v = (await readJson(f, d.digest)) as Record<string, unknown>;
    if (!v || typeof v !== 'object') throw bad(`${d.digest} is not a manifest`);
    if (isIndexMediaType(d.mediaType) || Array.isArray(v.manifests)) {
      // One platform of a multi-platform image: the host's, else the first one complete here.
      const inner = (await manifestsOf(archive, v as { manifests?: Descriptor[] }, depth + 1))[0];
      if (inner) out.push({ ...inner, outer: d });
      continue;
    }
    const parsed = v as unknown as ImageManifest;
    if (!parsed.config?.digest || !Array.isArray(parsed.layers)) continue;
    if (!archive.file(blobPath(parsed.config.digest))) continue;
    if (!parsed.layers.every((l) => archive.file(blobPath(l.digest)))) continue;
    out.push({ desc: d, bytes, parsed, outer: d });
  }
  return out;
}

function nameFromAnnotations(annotations: Record<string, string> | undefined): string | undefined {
  const candidates = [annotations?.[ANNOTATION_IMAGE_NAME], annotations?.[ANNOTATION_REF_NAME]];
  for (const c of candidates) {
    if (!c || !/[/:]/.test(c)) continue;
    try {
      const ref = parseNormalizedNamed(c);
      if (ref.digest === undefined) return normalizedString(withDefaultTag(ref));
    } catch {}
  }
  return undefined;
}

/**
 * The images in a spooled archive: from `manifest.json` (docker-archive; with an OCI
 * `index.json` beside it, its manifests are kept), else from `index.json` (OCI layout,
 * names from the containerd or OCI annotations).
 */
export async function readArchiveEntries(archive: SpooledArchive): Promise<ArchiveEntry[]> {
  const manifestFile = archive.file(MANIFEST_FILE);
  const indexFile = archive.file(INDEX_FILE);
  if (!manifestFile && !indexFile)
    throw bad('it contains neither manifest.json (docker-archive) nor index.json (OCI layout)');
  const fromIndex = indexFile
    ? await manifestsOf(archive, (await readJson(indexFile, INDEX_FILE)) as { manifests?: Descriptor[] })
    : [];
  const entries: ArchiveEntry[] = [];
  if (manifestFile) {
    const parsed = ManifestJsonSchema.safeParse(await readJson(manifestFile, MANIFEST_FILE));
    if (!parsed.success) throw bad(`manifest.json: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
    for (const e of parsed.data) {
      const config = need(archive, e.Config);
      const layers = (e.Layers ?? []).map((name) => ({ file: need(archive, name) }));
      const own = fromIndex.find(
        (m) =>
          m.parsed.config.digest === config.digest &&
          m.parsed.layers.length === layers.length &&
          m.parsed.layers.every((l, i) => l.digest === layers[i]?.file.digest),
      );
      const tags = (e.RepoTags ?? []).map((t) => {
        try {
          return normalizedString(withDefaultTag(parseNormalizedNamed(t)));
        } catch {
          throw bad(`invalid tag ${JSON.stringify(t)} in manifest.json`);
        }
      });
      entries.push({
        config,
        layers: layers.map((l, i) => ({
          ...l,
          ...(own ? { mediaType: own.parsed.layers[i]?.mediaType } : {}),
        })),
        tags,
        ...(own
          ? {
              manifest: {
                bytes: own.bytes,
                digest: own.desc.digest,
                mediaType: own.desc.mediaType ?? MEDIA_TYPES.ociManifest,
              },
            }
          : {}),
      });
    }
    return entries;
  }
  if (fromIndex.length === 0) throw bad('index.json names no image whose blobs are all in the archive');
  const byManifest = new Map<string, ArchiveEntry>();
  for (const m of fromIndex) {
    let entry = byManifest.get(m.desc.digest);
    if (!entry) {
      const config = need(archive, blobPath(m.parsed.config.digest));
      checkDescriptor(m.parsed.config, config);
      const layers = m.parsed.layers.map((l) => {
        const file = need(archive, blobPath(l.digest));
        checkDescriptor(l, file);
        return { file, mediaType: l.mediaType };
      });
      entry = {
        config,
        layers,
        tags: [],
        manifest: {
          bytes: m.bytes,
          digest: m.desc.digest,
          mediaType: m.desc.mediaType ?? MEDIA_TYPES.ociManifest,
        },
      };
      byManifest.set(m.desc.digest, entry);
    }
    const name = nameFromAnnotations(m.outer.annotations);
    if (name && !entry.tags.includes(name)) entry.tags.push(name);
  }
  return [...byManifest.values()];
}
