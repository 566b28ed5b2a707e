// Builds the native addons (native/NAME.c → dist/native/NAME.node) with the system C compiler
// and the Node-API headers that come with Node (PREFIX/include/node). No node-gyp: it would
// fetch headers from the internet. A missing compiler or headers is not fatal: each addon's
// user falls back and says so in its log.
//   ip-transparent: the netns agent's relay (else published ports do not keep client addresses)
//   mounts: mount(2)/umount2(2) for the engine (else it spawns mount(8)/umount(8))
//   veth: a container's veth pair through rtnetlink (else `nsenter … ip -batch -` runs)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addons = {
  'ip-transparent': 'published ports will not keep client addresses',
  mounts: 'the engine will spawn mount(8)/umount(8)',
  veth: 'the engine will run ip through nsenter to plug containers into bridges',
};
const includes = [
  join(dirname(dirname(process.execPath)), 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter((d) => existsSync(join(d, 'node_api.h')));

for (const [name, without] of Object.entries(addons)) {
  const source = join(root, 'native', `${name}.c`);
  const out = join(root, 'dist', 'native', `${name}.node`);
  if (existsSync(out) && statSync(out).mtimeMs > statSync(source).mtimeMs) continue;
  if (includes.length === 0) {
    console.warn(`build-native: node_api.h not found; ${without}`);
    continue;
  }
  mkdirSync(dirname(out), { recursive: true });
  try {
    execFileSync(
      process.env.CC || 'cc',
      ['-O2', '-Wall', '-Wextra', '-fPIC', '-shared', `-I${includes[0]}`, '-o', out, source],
      { stdio: 'inherit' },
    );
  } catch (err) {
    console.warn(`build-native: ${err.message}; ${without}`);
  }
}
