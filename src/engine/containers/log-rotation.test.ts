import assert from 'node:assert/strict';
import { appendFileSync, closeSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { logChain, syncRotation } from './log-rotation.js';

/** conmon 2.1.6's rotation: open `<log>.tmp` with O_TRUNC|O_CREAT, rename it over the log. */
function conmonRotate(path: string): void {
  closeSync(openSync(`${path}.tmp`, 'w'));
  renameSync(`${path}.tmp`, path);
}

function kept(path: string): string {
  return logChain(path)
    .map((f) => readFileSync(f.path, 'utf8'))
    .join('');
}

function setup(): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rot-'));
  const log = join(dir, 'c-json.log');
  appendFileSync(log, '');
  syncRotation(log, 3);
  return { dir, log };
}

test('one rotation between syncs: the prepared file follows the held one, nothing lost', () => {
  const { dir, log } = setup();
  appendFileSync(log, 'a\n');
  conmonRotate(log);
  appendFileSync(log, 'b\n');
  assert.equal(kept(log), 'a\nb\n', 'readers see the prepared file before the engine syncs');
  syncRotation(log, 3);
  appendFileSync(log, 'c\n');
  conmonRotate(log);
  appendFileSync(log, 'd\n');
  syncRotation(log, 3);
  assert.equal(kept(log), 'a\nb\nc\nd\n');
  conmonRotate(log);
  appendFileSync(log, 'e\n');
  syncRotation(log, 3);
  assert.equal(kept(log), 'b\nc\nd\ne\n', 'max-file=3: the oldest file goes whole');
  rmSync(dir, { recursive: true });
});

test('two rotations between syncs: the older files go whole, the new ones are followed', () => {
  const { dir, log } = setup();
  appendFileSync(log, 'a\n');
  conmonRotate(log); // takes the prepared file
  appendFileSync(log, 'b\n');
  conmonRotate(log); // a file of conmon's own
  appendFileSync(log, 'c\n');
  syncRotation(log, 3);
  // Whether conmon's own file came straight after the prepared one cannot be known: the
  // older files go rather than leave a possible hole.
  assert.equal(kept(log), 'c\n');
  appendFileSync(log, 'd\n');
  conmonRotate(log);
  appendFileSync(log, 'e\n');
  syncRotation(log, 3);
  assert.equal(kept(log), 'c\nd\ne\n');
  rmSync(dir, { recursive: true });
});

test('three rotations between syncs: a lost file leaves no gap among the kept ones', () => {
  const { dir, log } = setup();
  appendFileSync(log, 'a\n');
  syncRotation(log, 3);
  for (const line of ['b\n', 'c\n', 'd\n']) {
    conmonRotate(log);
    appendFileSync(log, line);
  }
  syncRotation(log, 3);
  assert.equal(kept(log), 'd\n');
  rmSync(dir, { recursive: true });
});
