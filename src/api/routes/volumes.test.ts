import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EventBus } from '../../engine/events/bus.js';
import { VolumeService } from '../../engine/volumes/volume-service.js';
import { createApp } from '../create-app.js';
import { fakeBackends } from '../testing/fake-backends.js';

const root = mkdtempSync(join(tmpdir(), 'rlt-volumes-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function setup() {
  const dir = mkdtempSync(join(root, 'd-'));
  const bus = new EventBus();
  const volumes = new VolumeService(dir, bus);
  await volumes.load();
  return { app: createApp({ ...fakeBackends(), volumes }), volumes, bus, dir };
}

const post = (body: unknown) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

test('create answers 201 in Docker shape; an existing name is returned as is', async () => {
  const { app, dir } = await setup();
  const res = await app.request('/v1.51/volumes/create', post({ Name: 'data', Labels: { a: 'b' } }));
  assert.equal(res.status, 201);
  const v = (await res.json()) as Record<string, unknown>;
  assert.equal(v.Name, 'data');
  assert.equal(v.Driver, 'local');
  assert.equal(v.Scope, 'local');
  assert.equal(v.Mountpoint, join(dir, 'volumes', 'data', '_data'));
  assert.deepEqual(v.Labels, { a: 'b' });
  const again = await app.request('/volumes/create', post({ Name: 'data' }));
  assert.deepEqual(((await again.json()) as Record<string, unknown>).Labels, { a: 'b' });
});

test('bad names and driver options are 400s', async () => {
  const { app } = await setup();
  assert.equal((await app.request('/volumes/create', post({ Name: 'a/b' }))).status, 400);
  const nfs = await app.request(
    '/volumes/create',
    post({ Name: 'n1', DriverOpts: { type: 'nfs', device: ':/x' } }),
  );
  assert.equal(nfs.status, 400);
  assert.match(((await nfs.json()) as { message: string }).message, /not supported/);
  const ok = await app.request(
    '/volumes/create',
    post({ Name: 't1', DriverOpts: { type: 'tmpfs', o: 'size=1m' } }),
  );
  assert.equal(ok.status, 201);
});

test('list filters, inspect 404, remove 409 while in use, prune anonymous only', async () => {
  const { app, volumes, dir } = await setup();
  await app.request('/volumes/create', post({ Name: 'one', Labels: { team: 'x' } }));
  await app.request('/volumes/create', post({ Name: 'two' }));
  const filtered = await app.request(`/volumes?filters=${encodeURIComponent('{"label":["team=x"]}')}`);
  const names = ((await filtered.json()) as { Volumes: Array<{ Name: string }> }).Volumes.map((v) => v.Name);
  assert.deepEqual(names, ['one']);
  assert.equal((await app.request('/volumes/nope')).status, 404);

  const cdir = mkdtempSync(join(dir, 'c-'));
  await volumes.attach('c'.repeat(64), cdir, { binds: ['one:/data'], mounts: [], volumes: { '/anon': {} } });
  const del = await app.request('/volumes/one', { method: 'DELETE' });
  assert.equal(del.status, 409);
  assert.equal(
    ((await del.json()) as { message: string }).message,
    `remove one: volume is in use - [${'c'.repeat(64)}]`,
  );
  const dangling = await app.request(`/volumes?filters=${encodeURIComponent('{"dangling":["true"]}')}`);
  assert.deepEqual(
    ((await dangling.json()) as { Volumes: Array<{ Name: string }> }).Volumes.map((v) => v.Name),
    ['two'],
  );
  await volumes.detach('c'.repeat(64), false);
  const pruned = (await (await app.request('/volumes/prune', { method: 'POST' })).json()) as {
    VolumesDeleted: string[];
  };
  assert.equal(pruned.VolumesDeleted.length, 1);
  assert.match(pruned.VolumesDeleted[0] ?? '', /^[0-9a-f]{64}$/);
  const all = await app.request(`/volumes/prune?filters=${encodeURIComponent('{"all":["true"]}')}`, {
    method: 'POST',
  });
  assert.deepEqual(((await all.json()) as { VolumesDeleted: string[] }).VolumesDeleted.sort(), [
    'one',
    'two',
  ]);
  assert.equal((await app.request('/volumes/one', { method: 'DELETE' })).status, 404);
  assert.equal((await app.request('/volumes/one?force=1', { method: 'DELETE' })).status, 204);
});

test('events: create and destroy', async () => {
  const { app, bus } = await setup();
  const seen: string[] = [];
  const unsubscribe = bus.subscribe((e) => {
    if (e.Type === 'volume') seen.push(`${e.Action}:${e.Actor.ID}`);
  });
  await app.request('/volumes/create', post({ Name: 'ev' }));
  await app.request('/volumes/ev', { method: 'DELETE' });
  unsubscribe();
  assert.deepEqual(seen, ['create:ev', 'destroy:ev']);
});
