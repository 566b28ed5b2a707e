// Bundles the engine's entry (dist/cli/engine.js, built by tsc) into one module,
// dist/cli/engine.bundle.mjs. Node 20 spends most of an engine start resolving and loading
// a few hundred ESM files; one file starts about 0.3 s sooner, and a restarted engine must
// answer within 2 s. Native addons stay external (they are loaded from node_modules).
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/engine.js'],
  outfile: 'dist/cli/engine.bundle.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: ['node-unix-socket', '@napi-rs/xattr'],
  // Bundled CommonJS dependencies call require(): give the ES module one.
  banner: {
    js: "import { createRequire as __rootlessdRequire } from 'node:module'; const require = __rootlessdRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
