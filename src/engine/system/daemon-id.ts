import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../state/atomic-file.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The engine's stable ID: kept in <dataRoot>/engine-id, created on first start. */
export async function loadDaemonId(dataRoot: string): Promise<string> {
  const path = join(dataRoot, 'engine-id');
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (UUID.test(text)) return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomUUID();
  await writeFileAtomic(path, `${id}\n`, 0o600);
  return id;
}
