import { constants, open } from 'node:fs/promises';

/** Opens a character device read-write and closes it; the errno code on failure. */
export async function openReadWrite(path: string): Promise<{ ok: true } | { ok: false; code: string }> {
  try {
    const handle = await open(path, constants.O_RDWR | constants.O_NONBLOCK);
    await handle.close();
    return { ok: true };
  } catch (err) {
    return { ok: false, code: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}
