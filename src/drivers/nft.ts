import { runInNetns } from './netns.js';

/** Applies an nft script (`nft -f -`) inside the network namespace of `pid`, atomically. */
export async function nftApply(pid: number, script: string): Promise<void> {
  await runInNetns(pid, 'nft', ['-f', '-'], { input: script });
}

/** Deletes a table if it exists (inside the network namespace of `pid`). */
export async function nftDeleteTable(pid: number, family: string, name: string): Promise<void> {
  await nftApply(pid, `table ${family} ${name}\ndelete table ${family} ${name}\n`);
}
