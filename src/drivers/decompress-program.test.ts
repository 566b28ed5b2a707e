import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { decompressWith } from './decompress-program.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const data = Buffer.from(`${'x'.repeat(300_000)}end`);

test('xz, bzip2 and zstd streams come out whole', async () => {
  for (const program of ['xz', 'bzip2', 'zstd'] as const) {
    const packed = execFileSync(program, ['-c'], { input: data, maxBuffer: 1 << 24 });
    assert.ok((await readAll(decompressWith(program, Readable.from([packed])))).equals(data), program);
  }
});

test('a truncated stream is an error naming the program, not a short output', async () => {
  const packed = execFileSync('xz', ['-c'], { input: data });
  await assert.rejects(
    readAll(decompressWith('xz', Readable.from([packed.subarray(0, packed.length - 20)]))),
    /^Error: xz -dc: /,
  );
});
