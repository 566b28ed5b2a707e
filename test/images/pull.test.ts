import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Registry } from '../fixtures/registry.js';
import { type Daemon, docker, dockerJson, dockerOk, dockerode, withDaemon } from '../helpers/index.js';

interface Summary {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Size: number;
}

describe('docker pull, images, inspect, history, tag, rmi, prune', () => {
  let registry: Registry;
  let daemon: Daemon;
  let ref: string;
  let digest: string;

  withDaemon({ images: ['busybox'], pull: false }, (env) => {
    daemon = env.daemon;
    registry = env.registry;
    digest = env.digest('busybox');
    ref = `${registry.host}/library/busybox`;
  });

  test('docker pull completes and prints the registry digest', async () => {
    const out = await dockerOk(daemon, ['pull', ref]);
    assert.match(out, /Pull complete/);
    assert.ok(out.includes(`Digest: ${digest}`), out);
    assert.match(out, new RegExp(`Status: Downloaded newer image for ${ref}:latest`));
    const again = await dockerOk(daemon, ['pull', ref]);
    assert.match(again, /Image is up to date/);
  });

  test('docker images lists it', async () => {
    const out = await dockerOk(daemon, ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    assert.match(out, new RegExp(`${ref}:latest [0-9a-f]{12}`));
    const list = await dockerode(daemon).listImages();
    const mine = list.find((i) => (i.RepoTags ?? []).includes(`${ref}:latest`)) as unknown as Summary;
    assert.ok(mine);
    assert.deepEqual(mine.RepoDigests, [`${ref}@${digest}`]);
    assert.ok(mine.Size > 100_000);
  });

  test('docker image inspect and history', async () => {
    const [img] = await dockerJson<
      {
        Id: string;
        RepoTags: string[];
        Os: string;
        RootFS: { Type: string; Layers: string[] };
        Size: number;
      }[]
    >(daemon, ['image', 'inspect', ref]);
    assert.ok(img);
    assert.deepEqual(img.RepoTags, [`${ref}:latest`]);
    assert.equal(img.Os, 'linux');
    assert.equal(img.RootFS.Type, 'layers');
    assert.equal(img.RootFS.Layers.length, 1);
    // By short id and by digest.
    const short = img.Id.slice(7, 19);
    assert.equal((await dockerOk(daemon, ['image', 'inspect', '-f', '{{.Id}}', short])).trim(), img.Id);
    assert.equal(
      (await dockerOk(daemon, ['image', 'inspect', '-f', '{{.Id}}', `${ref}@${digest}`])).trim(),
      img.Id,
    );
    const history = await dockerOk(daemon, ['history', '--no-trunc', '--format', '{{.ID}}|{{.Size}}', ref]);
    const lines = history.trim().split('\n');
    assert.ok(lines[0]?.startsWith(`${img.Id}|`), history);
    const missing = await docker(daemon, ['image', 'inspect', 'nosuchimage']);
    assert.notEqual(missing.exitCode, 0);
    assert.match(missing.stderr, /No such image: nosuchimage/);
  });

  test('docker tag, then rmi untags, then deletes', async () => {
    await dockerOk(daemon, ['tag', ref, 'mybox:v1']);
    const tags = await dockerOk(daemon, ['image', 'inspect', '-f', '{{json .RepoTags}}', 'mybox:v1']);
    assert.deepEqual(JSON.parse(tags).sort(), [`${ref}:latest`, 'mybox:v1'].sort());
    const untag = await dockerOk(daemon, ['rmi', 'mybox:v1']);
    assert.match(untag, /Untagged: mybox:v1/);
    assert.doesNotMatch(untag, /Deleted/);
    const del = await dockerOk(daemon, ['rmi', ref]);
    assert.match(del, new RegExp(`Untagged: ${ref}:latest`));
    assert.match(del, /Deleted: sha256:/);
    const out = await dockerOk(daemon, ['images', '-q']);
    assert.equal(out.trim(), '');
  });

  test('pull by digest, then prune', async () => {
    const out = await dockerOk(daemon, ['pull', `${ref}@${digest}`]);
    assert.ok(out.includes(`Digest: ${digest}`), out);
    const list = await dockerOk(daemon, ['images', '--digests', '--format', '{{.Tag}} {{.Digest}}']);
    assert.match(list, new RegExp(`<none> ${digest}`));
    const pruned = await dockerOk(daemon, ['image', 'prune', '-f']);
    assert.match(pruned, /Deleted Images:/);
    assert.match(pruned, /Total reclaimed space: [1-9]/);
    assert.equal((await dockerOk(daemon, ['images', '-q'])).trim(), '');
  });

  test('dockerode pull with followProgress', async () => {
    const d = dockerode(daemon);
    const stream = await d.pull(`${ref}:latest`);
    const events = await new Promise<{ status?: string }[]>((resolve, reject) => {
      d.modem.followProgress(stream, (err: Error | null, res: { status?: string }[]) =>
        err ? reject(err) : resolve(res),
      );
    });
    assert.ok(events.some((e) => e.status === 'Pull complete'));
    assert.ok(events.some((e) => e.status?.startsWith('Digest: ')));
  });

  test('a missing image gives Docker error', async () => {
    const r = await docker(daemon, ['pull', `${registry.host}/library/nothere:v9`]);
    assert.notEqual(r.exitCode, 0);
    assert.match(
      r.stderr,
      /Error response from daemon: (manifest for .*nothere:v9 not found|repository .*nothere not found)/,
    );
  });
});
