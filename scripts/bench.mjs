#!/usr/bin/env node
// Runs benchmarks: every bench/<name>/run.ts (or run.mjs), or only the names given.
//   node scripts/bench.mjs [NAME…]
// Each benchmark writes its own figures (bench/results/); this runner only sequences them.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const benchDir = join(root, 'bench');
const wanted = process.argv.slice(2);

const found = existsSync(benchDir)
  ? readdirSync(benchDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'results')
      .map((e) => ({
        name: e.name,
        entry: ['run.ts', 'run.mjs'].map((f) => join(benchDir, e.name, f)).find(existsSync),
      }))
      .filter((b) => b.entry !== undefined)
  : [];
const selected = wanted.length > 0 ? found.filter((b) => wanted.includes(b.name)) : found;
const unknown = wanted.filter((w) => !found.some((b) => b.name === w));
if (unknown.length > 0) {
  console.error(`bench: no bench/<name>/run.ts for: ${unknown.join(', ')}`);
  process.exit(1);
}
if (selected.length === 0) {
  console.log('bench: no benchmarks yet (bench/<name>/run.ts)');
  process.exit(0);
}
let failed = 0;
for (const b of selected) {
  console.log(`\n=== bench ${b.name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', b.entry], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench ${b.name} failed (exit ${r.status ?? r.signal})`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
