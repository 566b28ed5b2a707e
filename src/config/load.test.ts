import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InvalidParameter, NotFound } from '../errdefs/index.js';
import { loadDaemonConfig, resolveDataRoot } from './load.js';
import type { XdgPaths } from './paths.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rootlessd-load-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected a rejection');
}

test('a missing default file is an empty configuration plus the flags', async () => {
  const env = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'no-such-config') };
  const loaded = await loadDaemonConfig({ flags: { 'log-level': 'debug' }, env });
  assert.deepEqual(loaded, { config: { 'log-level': 'debug' } });
});

test('the default file is $XDG_CONFIG_HOME/rootlessd/daemon.json', async () => {
  const configHome = join(dir, 'xdg-config');
  await mkdir(join(configHome, 'rootlessd'), { recursive: true });
  await writeFile(join(configHome, 'rootlessd', 'daemon.json'), '{"dns": ["10.0.0.1"]}');
  const loaded = await loadDaemonConfig({ flags: {}, env: { HOME: dir, XDG_CONFIG_HOME: configHome } });
  assert.deepEqual(loaded.config, { dns: ['10.0.0.1'] });
  assert.equal(loaded.file, join(configHome, 'rootlessd', 'daemon.json'));
});

test('an explicitly named missing file is an error', async () => {
  const err = await rejection(loadDaemonConfig({ configFile: join(dir, 'missing.json'), flags: {} }));
  assert.ok(err instanceof NotFound);
  assert.match(err.message, /missing\.json does not exist/);
});

test('file keys and flags merge', async () => {
  const path = await file(
    'merge.json',
    JSON.stringify({ 'live-restore': true, 'registry-mirrors': ['https://m.example'] }),
  );
  const loaded = await loadDaemonConfig({
    configFile: path,
    flags: { 'storage-driver': 'vfs', hosts: undefined },
  });
  assert.deepEqual(loaded.config, {
    'live-restore': true,
    'registry-mirrors': ['https://m.example'],
    'storage-driver': 'vfs',
  });
});

test('an unknown key is named', async () => {
  const path = await file('daemon.json', '{"foo": 1, "debug": true}');
  const err = await rejection(loadDaemonConfig({ configFile: path, flags: {} }));
  assert.ok(err instanceof InvalidParameter);
  assert.match(err.message, /daemon\.json: unknown key "foo"/);
  assert.match(err.message, /unknown key "debug"/);
});

test('a bad value is named with its key and the problem', async () => {
  const path = await file('bad-value.json', '{"log-level": "verbose"}');
  const err = await rejection(loadDaemonConfig({ configFile: path, flags: {} }));
  assert.ok(err instanceof InvalidParameter);
  assert.match(
    err.message,
    /bad-value\.json: "log-level": invalid value "verbose" \(expected one of "debug"/,
  );
});

test('nested problems name the path inside the key', async () => {
  const path = await file('nested.json', '{"default-address-pools": [{"base": "nope", "size": 24}]}');
  const err = await rejection(loadDaemonConfig({ configFile: path, flags: {} }));
  assert.match(err.message, /"default-address-pools"\[0\]\.base: invalid value "nope" \(must be a CIDR/);
});

test('IPv6: ipv6, fixed-cidr-v6 and IPv6 address pools are accepted; an IPv4 pool stays at most /30', async () => {
  const good = {
    ipv6: true,
    'fixed-cidr-v6': 'fd00:1::/64',
    'default-address-pools': [
      { base: '10.10.0.0/16', size: 24 },
      { base: 'fd00:2::/48', size: 64 },
    ],
  };
  const loaded = await loadDaemonConfig({
    configFile: await file('v6.json', JSON.stringify(good)),
    flags: {},
  });
  assert.deepEqual(loaded.config, good);
  const small = await file(
    'v6-small.json',
    '{"default-address-pools": [{"base": "10.0.0.0/8", "size": 64}]}',
  );
  const err = await rejection(loadDaemonConfig({ configFile: small, flags: {} }));
  assert.match(err.message, /size must be at most 30 for an IPv4 pool/);
  const bad = await file('v6-bad.json', '{"fixed-cidr-v6": "10.0.0.0/8"}');
  assert.match((await rejection(loadDaemonConfig({ configFile: bad, flags: {} }))).message, /fixed-cidr-v6/);
});

test('malformed JSON is an InvalidParameter naming the file', async () => {
  const path = await file('broken.json', '{"hosts": [');
  const err = await rejection(loadDaemonConfig({ configFile: path, flags: {} }));
  assert.ok(err instanceof InvalidParameter);
  assert.match(err.message, /broken\.json: invalid JSON/);
});

test('a JSON value that is not an object is refused', async () => {
  const path = await file('array.json', '[]');
  const err = await rejection(loadDaemonConfig({ configFile: path, flags: {} }));
  assert.match(err.message, /must hold a JSON object/);
});

test('a directive both in the file and as a flag is refused, as dockerd does', async () => {
  const path = await file('conflict.json', '{"log-level": "info", "dns": ["1.1.1.1"]}');
  const err = await rejection(loadDaemonConfig({ configFile: path, flags: { 'log-level': 'debug' } }));
  assert.ok(err instanceof InvalidParameter);
  assert.match(
    err.message,
    /specified both as a flag and in the configuration file: log-level: \(from flag: "debug", from file: "info"\)/,
  );
});

test('a bad flag value names the flag', async () => {
  const err = await rejection(
    loadDaemonConfig({ configFile: await file('empty.json', ''), flags: { 'log-level': 'loud' as 'info' } }),
  );
  assert.match(err.message, /flag --log-level: invalid value "loud"/);
});

function xdg(dataHome: string): XdgPaths {
  return { runtimeDir: '/run/user/1', runtimeDirFromEnv: true, dataHome, configDir: '/x' };
}

const NFS = 0x6969;
const EXT4 = 0xef53;

test('resolveDataRoot: data-root wins; default is the XDG data home', async () => {
  const typeOf = async () => EXT4;
  assert.deepEqual(
    await resolveDataRoot({ 'data-root': '/srv/data' }, xdg('/home/u/.local/share/rootlessd'), { typeOf }),
    {
      dataRoot: '/srv/data',
    },
  );
  assert.deepEqual(await resolveDataRoot({}, xdg('/home/u/.local/share/rootlessd'), { typeOf }), {
    dataRoot: '/home/u/.local/share/rootlessd',
  });
});

test('resolveDataRoot: a relative data-root is refused', async () => {
  const err = await rejection(
    resolveDataRoot({ 'data-root': 'data' }, xdg('/h'), { typeOf: async () => EXT4 }),
  );
  assert.ok(err instanceof InvalidParameter);
});

test('resolveDataRoot: a home on NFS moves the data root to local disk and says where', async () => {
  const home = join(dir, 'nfs-home');
  const local = join(dir, 'local');
  await mkdir(local);
  // The home (and anything under it, even not yet created) is NFS; the local base is not.
  const typeOf = async (p: string) => {
    if (p.startsWith(home)) return NFS;
    await stat(p); // ENOENT for missing paths, as statfs would
    return EXT4;
  };
  await mkdir(home);
  const uid = process.getuid?.() ?? 0;
  const result = await resolveDataRoot({}, xdg(join(home, '.local/share/rootlessd')), {
    typeOf,
    uid,
    localBases: [local],
  });
  assert.equal(result.dataRoot, join(local, `rootlessd-${uid}`));
  assert.match(result.warning ?? '', /is on NFS: data root moved to local disk at .*rootlessd-/);
  const st = await stat(result.dataRoot);
  assert.equal(st.mode & 0o777, 0o700);
  // A second start reuses the folder it created.
  const again = await resolveDataRoot({}, xdg(join(home, '.local/share/rootlessd')), {
    typeOf,
    uid,
    localBases: [local],
  });
  assert.equal(again.dataRoot, result.dataRoot);
});

test('resolveDataRoot: a symlink planted at the local path is refused', async () => {
  const local = join(dir, 'planted');
  await mkdir(local);
  const uid = process.getuid?.() ?? 0;
  await symlink('/etc', join(local, `rootlessd-${uid}`));
  const typeOf = async (p: string) => (p.startsWith('/nfs') ? NFS : EXT4);
  const err = await rejection(
    resolveDataRoot({}, xdg('/nfs/home/u/data'), { typeOf, uid, localBases: [local] }),
  );
  assert.match(err.message, /exists and is not a folder owned by uid/);
});
