import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { assembleImage, blobOf, MEDIA_LAYER_GZIP, pushImage, sha256 } from '../fixtures/distribution.js';
import { pushMinbase } from '../fixtures/images.js';
import type { Registry } from '../fixtures/registry.js';
import {
  type Daemon,
  docker,
  dockerOk,
  dockerSpawn,
  pings,
  poll,
  tarOf,
  withDaemon,
} from '../helpers/index.js';

/** Every path under `dir` whose name is `name` (root reads the user's folders). */
function findNamed(dir: string, name: string): string[] {
  const out = execFileSync('find', [dir, '-name', name], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

describe('pull safety', () => {
  let registry: Registry;
  let daemon: Daemon;

  withDaemon({ registry: true }, (env) => {
    daemon = env.daemon;
    registry = env.registry;
  });

  test('a layer with ../escape is refused and nothing lands outside', async () => {
    const tar = await tarOf({ 'ok.txt': 'fine', '../escape': 'escaped' }, 0o644);
    const layer = { ...blobOf(MEDIA_LAYER_GZIP, gzipSync(tar)), diffId: sha256(tar) };
    await pushImage(
      registry,
      'library/evil:latest',
      assembleImage({ layers: [layer], cmd: ['/bin/sh'], createdBy: ['ADD evil /'] }),
    );
    const r = await docker(daemon, ['pull', `${registry.host}/library/evil`]);
    assert.notEqual(r.exitCode, 0, r.stdout);
    assert.match(`${r.stderr}${r.stdout}`, /\.\.\/escape/);
    assert.match(`${r.stderr}${r.stdout}`, /"\.\." component/);
    assert.deepEqual(findNamed(daemon.base, 'escape'), []);
    assert.equal((await dockerOk(daemon, ['images', '-q'])).trim(), '');
  });

  test('kill -9 of the engine during a pull, then a repeat pull completes', async () => {
    await pushMinbase(registry, 'library/debian:bookworm');
    const ref = `${registry.host}/library/debian:bookworm`;
    const pull = dockerSpawn(daemon, ['pull', ref]);
    let out = '';
    pull.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise((resolve) => pull.on('exit', resolve));
    assert.ok(await poll(() => /Pulling fs layer/.test(out), { tries: 600 }), `no progress: ${out}`);
    const engine = daemon.pids().engine;
    assert.ok(engine);
    process.kill(engine, 'SIGKILL');
    await exited;
    assert.doesNotMatch(out, /Status: Downloaded/, 'the pull ended before the kill');
    // The launcher starts a new engine; wait for a new one to answer.
    assert.ok(
      await poll(async () => daemon.pids().engine !== engine && (await pings(daemon.socket)), { tries: 300 }),
      'the engine did not come back',
    );
    // Its start-up sweep emptied ingest/ (the images module starts in the background).
    await dockerOk(daemon, ['images']);
    const ingestDirs = findNamed(daemon.base, 'ingest');
    assert.ok(ingestDirs.length > 0);
    for (const d of ingestDirs) assert.deepEqual(readdirSync(d), [], `leftovers in ${d}`);
    for (const d of findNamed(daemon.base, '.tmp-*')) assert.fail(`leftover ${d}`);
    const again = await dockerOk(daemon, ['pull', ref], { timeoutMs: 240_000 });
    assert.match(again, /Status: (Downloaded newer image|Image is up to date)/);
    const ls = await dockerOk(daemon, ['image', 'inspect', '-f', '{{.Size}}', ref]);
    assert.ok(Number(ls.trim()) > 50_000_000, `size ${ls}`);
    assert.ok(join(daemon.base).length > 0);
  });
});
