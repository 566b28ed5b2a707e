// Builds the native addons (native/NAME.c, or the .c files of a folder native/NAME/ with its
// headers, → dist/native/NAME.node) with the system C compiler and the Node-API headers that
// come with Node (PREFIX/include/node). Symbols are hidden but for the module's entry point, so
// an addon's functions never bind to same-named ones of Node's. No node-gyp: it would
// fetch headers from the internet. A missing compiler or headers is not fatal; each addon's
// caller has a fallback:
//   ip-transparent  the netns agent's relay then dials without keeping the client's address
//   malloc-trim     the daemon's processes keep glibc's free pages at idle (more memory)
//   mounts          the engine spawns mount(8)/umount(8)
//   netns-socket    the embedded DNS runs in the netns agent process (more memory)
//   spawn           the engine spawns conmon for an exec through Node (a fork of the engine)
//   veth            the engine runs ip through nsenter to plug containers into bridges
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FALLBACK = {
  'ip-transparent': 'published ports will not keep client addresses',
  'malloc-trim': 'idle processes will not give free malloc pages back',
  mounts: 'the engine will spawn mount(8)/umount(8)',
  'netns-socket': 'the embedded DNS will run in the netns agent process',
  spawn: 'the engine will fork itself (through Node) to start conmon for an exec',
  veth: 'the engine will run ip through nsenter to plug containers into bridges',
};
const includes = [
  join(dirname(dirname(process.execPath)), 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter((d) => existsSync(join(d, 'node_api.h')));

/** Each addon: its name, the C files compiled into it, and every file it is built from. */
function addons() {
  const list = [];
  for (const entry of readdirSync(join(root, 'native'), { withFileTypes: true })) {
    const path = join(root, 'native', entry.name);
    if (entry.isFile() && entry.name.endsWith('.c')) {
      list.push({ name: entry.name.slice(0, -2), sources: [path], inputs: [path] });
    } else if (entry.isDirectory()) {
      const files = readdirSync(path).sort();
      const sources = files.filter((f) => f.endsWith('.c')).map((f) => join(path, f));
      const inputs = files.filter((f) => f.endsWith('.c') || f.endsWith('.h')).map((f) => join(path, f));
      if (sources.length > 0) list.push({ name: entry.name, sources, inputs });
    }
  }
  return list;
}

for (const { name, sources, inputs } of addons()) {
  const out = join(root, 'dist', 'native', `${name}.node`);
  const without = FALLBACK[name] ?? 'its caller falls back';
  const newest = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
  if (existsSync(out) && statSync(out).mtimeMs > newest) continue;
  if (includes.length === 0) {
    console.warn(`build-native: node_api.h not found; ${without}`);
    continue;
  }
  mkdirSync(dirname(out), { recursive: true });
  try {
    execFileSync(
      process.env.CC || 'cc',
      [
        '-O2',
        '-Wall',
        '-Wextra',
        '-fPIC',
        '-fvisibility=hidden',
        '-shared',
        `-I${includes[0]}`,
        '-o',
        out,
        ...sources,
      ],
      { stdio: 'inherit' },
    );
  } catch (err) {
    console.warn(`build-native: ${name}: ${err.message}; ${without}`);
  }
}
