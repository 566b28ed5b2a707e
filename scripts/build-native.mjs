// Builds the native addon of the netns agent (native/ip-transparent.c → dist/native/
// ip-transparent.node) with the system C compiler and the Node-API headers that come with
// Node (PREFIX/include/node). No node-gyp: it would fetch headers from the internet.
// A missing compiler or headers is not fatal: the relay then dials without keeping the
// client's address, and says so in its log.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'ip-transparent.c');
const out = join(root, 'dist', 'native', 'ip-transparent.node');
const includes = [
  join(dirname(dirname(process.execPath)), 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter((d) => existsSync(join(d, 'node_api.h')));

if (existsSync(out) && statSync(out).mtimeMs > statSync(source).mtimeMs) process.exit(0);
if (includes.length === 0) {
  console.warn('build-native: node_api.h not found; published ports will not keep client addresses');
  process.exit(0);
}
mkdirSync(dirname(out), { recursive: true });
try {
  execFileSync(
    process.env.CC || 'cc',
    ['-O2', '-Wall', '-Wextra', '-fPIC', '-shared', `-I${includes[0]}`, '-o', out, source],
    { stdio: 'inherit' },
  );
} catch (err) {
  console.warn(`build-native: ${err.message}; published ports will not keep client addresses`);
}
