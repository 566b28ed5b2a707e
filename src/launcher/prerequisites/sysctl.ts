import { readFile } from 'node:fs/promises';

/** A sysctl's value as a number, or undefined when the file does not exist on this kernel. */
export async function readSysctl(path: string): Promise<number | undefined> {
  try {
    const value = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isNaN(value) ? undefined : value;
  } catch {
    return undefined;
  }
}
