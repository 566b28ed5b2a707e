import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type LogChunk, parseLogLine, readLogs } from './logs.js';

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
  const all = async (o: Partial<Parameters<typeof readLogs>[1]>) => {
    const out: LogChunk[] = [];
    const options = {
      stdout: true,
      stderr: true,
      follow: false,
      since: 0,
      until: 0,
      timestamps: false,
      ...o,
    };
    for await (const c of readLogs(path, options, undefined, new AbortController().signal)) out.push(c);
    return out;
  };
  const every = await all({});
  assert.deepEqual(
    every.map((c) => c.data.toString()),
    ['partial\n', 'oops\n', 'last\n'],
  );
  assert.equal(every[0]?.timestamp, '2026-11-23T11:28:19.000000001Z');
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
