import { gzipSync } from 'node:zlib';
import { sha256Of } from '../../content/digest.js';
import { hostPlatform, MEDIA_TYPES } from '../manifest.js';

/** A minimal image built in memory for registry tests: one gzip layer holding one file. */
export interface TinyBlob {
  mediaType: string;
  digest: string;
  size: number;
  data: Buffer;
}

export interface TinyImage {
  config: TinyBlob;
  layer: TinyBlob;
  manifest: Buffer;
  manifestDigest: string;
}

function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512, 0);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write(
    `${Math.floor(Date.UTC(2024, 0, 1) / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
  );
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** A one-file tar archive (ustar), no external tools. */
export function oneFileTar(name: string, content: Buffer): Buffer {
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512, 0);
  return Buffer.concat([tarHeader(name, content.length), content, pad, Buffer.alloc(1024, 0)]);
}

function blob(mediaType: string, data: Buffer): TinyBlob {
  return { mediaType, data, size: data.length, digest: sha256Of(data) };
}

export function tinyImage(text = 'hello from rootlessd\n'): TinyImage {
  const tar = oneFileTar('hello.txt', Buffer.from(text));
  const layer = blob(MEDIA_TYPES.dockerLayerGzip, gzipSync(tar));
  const platform = hostPlatform();
  const config = blob(
    MEDIA_TYPES.dockerConfig,
    Buffer.from(
      JSON.stringify({
        architecture: platform.architecture,
        os: platform.os,
        config: { Cmd: ['/hello'] },
        rootfs: { type: 'layers', diff_ids: [sha256Of(tar)] },
        history: [{ created: '2024-01-01T00:00:00Z', created_by: 'tiny-image' }],
      }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.dockerManifest,
      config: { mediaType: config.mediaType, size: config.size, digest: config.digest },
      layers: [{ mediaType: layer.mediaType, size: layer.size, digest: layer.digest }],
    }),
  );
  return { config, layer, manifest, manifestDigest: sha256Of(manifest) };
}
