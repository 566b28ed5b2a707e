import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type LogChunk, parseLogLine, readLogs, tailOffset } from './logs.js';

/** Every entry readLogs gives for `path` without follow, with these options over the defaults. */
async function readAll(path: string, o: Partial<Parameters<typeof readLogs>[1]>): Promise<LogChunk[]> {
  const out: LogChunk[] = [];
  const options = { stdout: true, stderr: true, follow: false, since: 0, until: 0, timestamps: false, ...o };
  for await (const batch of readLogs(path, options, undefined, new AbortController().signal))
    out.push(...batch);
  return out;
}

test('k8s-file lines parse', () => {
  assert.deepEqual(parseLogLine('2026-11-23T11:28:19.900550191+00:00 stdout F hello world'), {
    ts: '2026-11-23T11:28:19.900550191+00:00',
    stream: 'stdout',
    partial: false,
    text: 'hello world',
  });
  assert.equal(parseLogLine('garbage'), undefined);
});

test('partial lines are joined; tail, streams and timestamps apply', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logs-'));
  const path = join(dir, 'c.log');
  writeFileSync(
    path,
    [
      '2026-11-23T11:28:19.000000001+00:00 stdout P par',
      '2026-11-23T11:28:19.000000002+00:00 stdout F tial',
      '2026-11-23T11:28:20.000000000+00:00 stderr F oops',
      '2026-11-23T11:28:21.000000000+00:00 stdout F last',
      '',
    ].join('\n'),
  );
  const all = (o: Partial<Parameters<typeof readLogs>[1]>) => readAll(path, o);
  const every = await all({});
  assert.deepEqual(
    every.map((c) => c.data.toString()),
    ['partial\n', 'oops\n', 'last\n'],
  );
  // The partial line's time, turned into Docker's form only when asked for.
  assert.equal(every[0]?.timestamp, '');
  assert.equal((await all({ timestamps: true }))[0]?.timestamp, '2026-11-23T11:28:19.000000001Z');
  assert.deepEqual(
    (await all({ stderr: false })).map((c) => c.data.toString()),
    ['partial\n', 'last\n'],
  );
  assert.deepEqual(
    (await all({ tail: 1 })).map((c) => c.data.toString()),
    ['last\n'],
  );
  assert.deepEqual((await all({ since: Date.parse('2026-11-23T11:28:20Z') / 1000 })).length, 2);
});

test('a large log comes out block by block, whole (UTF-8 across blocks), and its tail alone when asked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logs-'));
  const path = join(dir, 'c.log');
  const lines: string[] = [];
  const expected: string[] = [];
  for (let i = 0; i < 60_000; i++) {
    const text = `line ${i} é€ ${'x'.repeat(i % 17)}`;
    expected.push(`${text}\n`);
    // Every 1000th line arrives in two parts, as conmon writes lines longer than its buffer.
    if (i % 1000 === 0) {
      lines.push(`2026-11-23T11:28:19.000000001+00:00 stdout P ${text.slice(0, 5)}`);
      lines.push(`2026-11-23T11:28:19.000000001+00:00 stdout F ${text.slice(5)}`);
    } else lines.push(`2026-11-23T11:28:19.000000001+00:00 stdout F ${text}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  const options = { stdout: true, stderr: true, follow: false, since: 0, until: 0, timestamps: false };
  const batches: LogChunk[][] = [];
  for await (const batch of readLogs(path, options, undefined, new AbortController().signal))
    batches.push(batch);
  assert.ok(batches.length > 10, `${batches.length} batches`);
  assert.deepEqual(
    batches.flat().map((c) => c.data.toString()),
    expected,
  );
  const tail: LogChunk[] = [];
  for await (const batch of readLogs(path, { ...options, tail: 3 }, undefined, new AbortController().signal))
    tail.push(...batch);
  assert.deepEqual(
    tail.map((c) => c.data.toString()),
    expected.slice(-3),
  );
});

test('tailOffset: the last N entries, partial lines with their full line, no unterminated line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logs-'));
  const path = join(dir, 'c.log');
  const a = '2026-11-23T11:28:19.000000001+00:00 stdout F a\n';
  const p1 = '2026-11-23T11:28:19.000000002+00:00 stdout P b1\n';
  const p2 = '2026-11-23T11:28:19.000000003+00:00 stdout F b2\n';
  const c = '2026-11-23T11:28:19.000000004+00:00 stderr F c\n';
  writeFileSync(path, `${a}${p1}${p2}${c}2026-11-23T11:28:19.000000005+00:00 stdout F unterminat`);
  const handle = await open(path, 'r');
  try {
    assert.equal(await tailOffset(handle, 1), a.length + p1.length + p2.length);
    assert.equal(await tailOffset(handle, 2), a.length);
    assert.equal(await tailOffset(handle, 3), 0);
    assert.equal(await tailOffset(handle, 4), undefined);
  } finally {
    await handle.close();
  }
});

test('a tail without follow is the last N entries when asked, while the container keeps writing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logs-'));
  const path = join(dir, 'c.log');
  const line = (i: number) => `2026-11-23T11:28:19.${String(i).padStart(9, '0')}+00:00 stdout F tick ${i}\n`;
  writeFileSync(path, line(0));
  let i = 1;
  let writing = true;
  // A line appended at every turn of the event loop, between the reader's steps too.
  const writer = () => {
    if (!writing) return;
    appendFileSync(path, line(i++));
    setImmediate(writer);
  };
  setImmediate(writer);
  try {
    for (let round = 0; round < 50; round++) {
      const out = await readAll(path, { tail: 1 });
      assert.equal(out.length, 1, `round ${round}: ${out.length} entries`);
    }
  } finally {
    writing = false;
  }
});
