// Bundles the engine's entry (dist/cli/engine.js, built by tsc) into one module,
// dist/cli/engine.bundle.mjs, and the launcher's (dist/cli/rootlessd.js, run by
// dist/cli/main.js) into dist/cli/launcher.bundle.mjs. Node 20 spends most of an engine start
// resolving and loading a few hundred ESM files; one file starts about 0.3 s sooner, and a
// restarted engine must answer within 2 s. One file also takes less memory than the modules it
// holds (the launcher's idle anonymous memory: 24 MiB as modules, 16.5 MiB as a bundle).
// Native addons stay external (they are loaded from node_modules).
// Modules the engine imports dynamically (`await import(...)`: undici for the registry, ws for
// attach over WebSocket) go into chunks of their own beside the entry (dist/cli/chunk-*.mjs, so that paths relative to import.meta.url hold in them
// too), loaded when first needed: V8 keeps each loaded module's source for as long as the
// process runs, and an engine that has not pulled yet does not hold undici's 0.7 MB.
// Whitespace and comments are dropped and the output is pure ASCII: V8 keeps the module's
// source in memory for as long as the engine runs, and one non-Latin-1 character (a ’ in a
// comment) makes it a two-byte string, 5.8 MB instead of 2.1 MB. Names are kept, so stack
// traces stay readable; the source map is written beside it for NODE_OPTIONS=--enable-source-maps.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

/**
 * zod's `z.locales` namespace holds its error messages in some fifty languages (0.3 MB of
 * source, which each process would keep); rootlessd uses only English, the default
 * (`zod/v4/locales/en.js`, imported by zod itself). The namespace is built with `en` alone.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes('/node_modules/zod/')
        ? { path: join(dirname(args.importer), '../locales/index.js'), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * @hono/node-server imports node:http2 only to tell HTTP/2 requests apart (`instanceof
 * Http2ServerRequest`, and a stream close code on that path). rootlessd's API servers are
 * node:http and node:https servers, HTTP/1.1 only, so no request is ever one. Loading node:http2
 * (and node:tls, which it requires) cost the idle engine about 2.5 MiB; in the bundle that import
 * gets a class nothing is an instance of, and the one constant that path reads.
 */
const noHttp2ForHonoServer = {
  name: 'no-http2-for-hono-server',
  setup(b) {
    b.onResolve({ filter: /^node:http2$/ }, (args) =>
      args.importer.includes('/node_modules/@hono/node-server/')
        ? { path: 'http2-unused', namespace: 'no-http2' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'no-http2' }, () => ({
      contents: 'export class Http2ServerRequest {}\nexport const constants = { NGHTTP2_NO_ERROR: 0 };\n',
      loader: 'js',
    }));
  },
};

async function bundle(entry, name, splitting) {
  const result = await build({
    entryPoints: { [name]: entry },
    outdir: 'dist/cli',
    outExtension: { '.js': '.mjs' },
    chunkNames: `chunk-${name.split('.')[0]}-[name]-[hash]`,
    splitting,
    metafile: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    minifyWhitespace: true,
    legalComments: 'none',
    charset: 'ascii',
    external: ['node-unix-socket', '@napi-rs/xattr'],
    // Bundled CommonJS dependencies call require(): give the ES module one.
    banner: {
      js: "import { createRequire as __rootlessdRequire } from 'node:module'; const require = __rootlessdRequire(import.meta.url);",
    },
    plugins: [zodEnglishOnly, noHttp2ForHonoServer],
    logLevel: 'warning',
  });
  for (const outfile of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.mjs'))) {
    const nonAscii = readFileSync(outfile).findIndex((b) => b > 0x7f);
    if (nonAscii >= 0) {
      console.warn(
        `bundle-engine: ${outfile} has a non-ASCII byte at ${nonAscii}: V8 will hold it as a two-byte string (write it as an escape in the source)`,
      );
    }
  }
}

// Chunks of an earlier build would pile up (their names carry a hash).
for (const f of readdirSync('dist/cli')) if (f.startsWith('chunk-')) rmSync(`dist/cli/${f}`);
await Promise.all([
  bundle('dist/cli/engine.js', 'engine.bundle', true),
  // The launcher's dynamic imports (doctor, install) in chunks of their own too: their static
  // imports would otherwise be loaded at every start (install's atomic-file brings node:crypto,
  // about 0.5 MiB of the launcher's idle heap).
  bundle('dist/cli/rootlessd.js', 'launcher.bundle', true),
]);
