import { readFileSync } from 'node:fs';
import tar from 'tar-stream';

/** The regular files of the tar archive at `path`, by name. */
export async function readTar(path: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (entry.header.type === 'file') files.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  extract.end(readFileSync(path));
  await done;
  return files;
}

/** A tar archive of regular files, in the order given, each with `mode`. */
export async function tarOf(files: Record<string, string | Buffer>, mode = 0o755): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, data] of Object.entries(files)) pack.entry({ name, mode }, data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
