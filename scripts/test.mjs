#!/usr/bin/env node
// Runs the lint and the test suites with Node's test runner.
//   node scripts/test.mjs [unit|integration] [--no-lint] [FILE…]
// Unit tests are src/**/*.test.ts, integration tests test/**/*.test.ts. Files are passed to the
// runner explicitly: on Node 20, `node --test DIR` finds no .ts files and passes with 0 tests.
// Integration tests start one real daemon per file, so files run one at a time.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const args = process.argv.slice(2);
const kind = args.find((a) => a === 'unit' || a === 'integration') ?? 'all';
const lint = !args.includes('--no-lint') && process.env.RLT_NO_LINT !== '1';
const explicit = args.filter((a) => !['unit', 'integration', '--no-lint'].includes(a));

function collect(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => relative(root, join(e.parentPath ?? e.path, e.name)))
    .filter((f) => !f.split('/').includes('node_modules'))
    .sort();
}

function run(cmd, cmdArgs, { scan = false } = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, cmdArgs, {
      cwd: root,
      stdio: ['inherit', scan ? 'pipe' : 'inherit', 'inherit'],
    });
    let out = '';
    if (scan) {
      child.stdout.on('data', (chunk) => {
        process.stdout.write(chunk);
        out = (out + chunk.toString()).slice(-20_000);
      });
    }
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 1 : 0), out }));
    child.on('error', (err) => {
      console.error(`test.mjs: cannot run ${cmd}: ${err.message}`);
      done({ code: 1, out });
    });
  });
}

const bin = (name) => join(root, 'node_modules', '.bin', name);
let failed = false;

if (lint) {
  const dirs = ['src', 'test', 'scripts', 'bench'].filter((d) => existsSync(join(root, d)));
  console.log(`# lint: biome check ${dirs.join(' ')}`);
  const biome = await run(bin('biome'), ['check', '--no-errors-on-unmatched', ...dirs]);
  console.log('# lint: tsc --noEmit -p tsconfig.json');
  const tsc = await run(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
  if (biome.code !== 0 || tsc.code !== 0) {
    console.error('# lint FAILED (the tests run anyway; the run fails)');
    failed = true;
  }
}

const files =
  explicit.length > 0
    ? explicit
    : [...(kind !== 'integration' ? collect('src') : []), ...(kind !== 'unit' ? collect('test') : [])];
if (files.length === 0) {
  console.error(`test.mjs: no ${kind} test files found: a run without tests proves nothing`);
  process.exit(1);
}
console.log(`# test files (${files.length}):\n${files.map((f) => `#   ${f}`).join('\n')}`);

// One id per run: the integration harness copies the built app for the test user once per run.
process.env.RLT_TEST_RUN_ID ??= `${process.pid}-${Date.now()}`;
const tap = Boolean(process.env.CI) || !process.stdout.isTTY;
const result = await run(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-timeout=900000',
    `--test-reporter=${tap ? 'tap' : 'spec'}`,
    ...files,
  ],
  { scan: tap },
);
if (result.code !== 0) failed = true;
if (tap) {
  const count = /^# tests (\d+)$/m.exec(result.out);
  if (!count || Number(count[1]) === 0) {
    console.error('test.mjs: the runner executed 0 tests: failing the run');
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
