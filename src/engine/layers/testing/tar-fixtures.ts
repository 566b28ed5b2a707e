import tar from 'tar-stream';

/** One entry of a test layer. `pax` records are written raw (binary values allowed). */
export interface FixtureEntry {
  name: string;
  type?: tar.Header['type'];
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string | Buffer>;
}

/** A PAX record: `LEN KEY=VALUE\n` where LEN counts the whole record in bytes. */
export function paxRecord(key: string, value: string | Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** Builds an uncompressed tar in memory, with tar-stream's packer. */
export async function buildTar(entries: readonly FixtureEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  const mtime = new Date('2024-01-02T03:04:05Z');
  for (const e of entries) {
    if (e.pax) {
      const body = Buffer.concat(Object.entries(e.pax).map(([k, v]) => paxRecord(k, v)));
      // tar-stream's packer writes no raw PAX header: pack a file under a marker name and
      // turn its header into a PAX one afterwards (retypeMarkers).
      pack.entry({ name: PAX_MARKER, type: 'file', size: body.length, mtime }, body);
    }
    const type = e.type ?? (e.name.endsWith('/') ? 'directory' : 'file');
    const content = e.content === undefined ? Buffer.alloc(0) : Buffer.from(e.content);
    const header: tar.Header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime,
      linkname: e.linkname,
      devmajor: e.devmajor,
      devminor: e.devminor,
      size: type === 'file' ? content.length : 0,
    } as tar.Header;
    if (type === 'file') pack.entry(header, content);
    else pack.entry(header);
  }
  pack.finalize();
  await done;
  return retypeMarkers(Buffer.concat(chunks));
}

const PAX_MARKER = '@@rootlessd-pax@@';

/** Sets typeflag `x` on every header named PAX_MARKER and fixes its checksum. */
function retypeMarkers(tarBytes: Buffer): Buffer {
  const marker = Buffer.from(`${PAX_MARKER}\0`);
  for (let off = 0; off + 512 <= tarBytes.length; off += 512) {
    if (!tarBytes.subarray(off, off + marker.length).equals(marker)) continue;
    const block = tarBytes.subarray(off, off + 512);
    block.write('PaxHeader', 0, 100, 'ascii');
    block.fill(0, 9, 100);
    block[156] = 0x78;
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of block) sum += b;
    block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  }
  return tarBytes;
}
