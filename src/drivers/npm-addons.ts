import { createRequire } from 'node:module';
import type * as XattrModule from '@napi-rs/xattr';
import type * as UnixSocketModule from 'node-unix-socket';

/**
 * The native addons we take from npm (CommonJS packages), loaded with `require` when first
 * used. An ES module's `import` of a CommonJS package makes Node find its named exports with
 * cjs-module-lexer, which Node 20 runs as WebAssembly: compiling it maps V8's WebAssembly
 * compilers and keeps their code and heap, about 4 MiB of anonymous memory and 4 MiB of
 * node's pages more for a process that imports one (the engine at idle held both).
 */
const require = createRequire(import.meta.url);

let xattrModule: typeof XattrModule | undefined;
let unixSocketModule: typeof UnixSocketModule | undefined;

/** @napi-rs/xattr: extended attributes of files (layers, overlay whiteouts). */
export function xattr(): typeof XattrModule {
  xattrModule ??= require('@napi-rs/xattr') as typeof XattrModule;
  return xattrModule;
}

/** node-unix-socket: SOCK_SEQPACKET and datagram unix sockets. */
export function unixSocket(): typeof UnixSocketModule {
  unixSocketModule ??= require('node-unix-socket') as typeof UnixSocketModule;
  return unixSocketModule;
}
