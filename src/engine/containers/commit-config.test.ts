import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGoDuration } from '../images/import-changes.js';
import { commitTag } from './commit.js';
import { commitImageConfig, mergeCommitConfig } from './commit-config.js';

const container = {
  Hostname: 'abc',
  User: 'app',
  Env: ['PATH=/bin', 'A=1'],
  Cmd: ['sh', '-c', 'run'],
  Entrypoint: null,
  WorkingDir: '/srv',
  Labels: { from: 'container' },
  ExposedPorts: { '80/tcp': {} },
  StopSignal: 'SIGINT',
};

describe('commit config', () => {
  test('without a body or changes the container config is kept', () => {
    assert.deepEqual(commitImageConfig(container, undefined, []), {
      ...container,
      Volumes: undefined,
    });
  });

  test('changes override and merge as Docker does', () => {
    const c = commitImageConfig(container, undefined, [
      'ENV A=2 B=3',
      'CMD ["echo", "hi"]',
      'LABEL team=blue',
      'EXPOSE 53/udp',
      'USER root',
      'VOLUME /data',
      'STOPSIGNAL SIGTERM',
      'ONBUILD RUN make',
    ]);
    assert.deepEqual(c.Env, ['PATH=/bin', 'A=2', 'B=3']);
    assert.deepEqual(c.Cmd, ['echo', 'hi']);
    assert.deepEqual(c.Labels, { from: 'container', team: 'blue' });
    assert.deepEqual(Object.keys(c.ExposedPorts ?? {}).sort(), ['53/udp', '80/tcp']);
    assert.equal(c.User, 'root');
    assert.deepEqual(Object.keys(c.Volumes ?? {}), ['/data']);
    assert.equal(c.StopSignal, 'SIGTERM');
    assert.deepEqual(c.OnBuild, ['RUN make']);
  });

  test('an ENTRYPOINT change resets the CMD unless a CMD came first', () => {
    assert.equal(commitImageConfig(container, undefined, ['ENTRYPOINT ["/init"]']).Cmd, null);
    const both = commitImageConfig(container, undefined, ['CMD ["x"]', 'ENTRYPOINT ["/init"]']);
    assert.deepEqual(both.Cmd, ['x']);
    assert.deepEqual(both.Entrypoint, ['/init']);
  });

  test('HEALTHCHECK in both forms, with options, and NONE', () => {
    const h = commitImageConfig(container, undefined, [
      'HEALTHCHECK --interval=30s --timeout=1m30s --retries=3 CMD curl -f http://localhost/',
    ]).Healthcheck;
    assert.deepEqual(h, {
      Test: ['CMD-SHELL', 'curl -f http://localhost/'],
      Interval: 30e9,
      Timeout: 90e9,
      Retries: 3,
    });
    assert.deepEqual(commitImageConfig(container, undefined, ['HEALTHCHECK CMD ["true"]']).Healthcheck, {
      Test: ['CMD', 'true'],
    });
    assert.deepEqual(commitImageConfig(container, undefined, ['HEALTHCHECK NONE']).Healthcheck, {
      Test: ['NONE'],
    });
    assert.throws(() => commitImageConfig(container, undefined, ['HEALTHCHECK echo']), /Unknown type "echo"/);
    assert.equal(parseGoDuration('1h2m3.5s'), 3723.5e9);
    assert.throws(() => parseGoDuration('3 days'), /invalid duration/);
  });

  test('instructions commit does not allow are a 400 with Docker’s message', () => {
    assert.throws(
      () => commitImageConfig(container, undefined, ['RUN echo hi']),
      (err: Error & { kind?: string }) =>
        err.message === 'run is not a valid change command' && err.kind === 'InvalidParameter',
    );
    assert.throws(() => commitImageConfig(container, undefined, ['FROM busybox']), /from is not a valid/);
  });

  test('a body config is merged with the container config', () => {
    const c = mergeCommitConfig({ Cmd: ['echo', 'body'], Env: ['A=9'] }, container);
    assert.deepEqual(c.Cmd, ['echo', 'body']);
    assert.deepEqual(c.Env, ['A=9', 'PATH=/bin']);
    assert.equal(c.User, 'app');
    assert.equal(c.WorkingDir, '/srv');
    // An Entrypoint in the body keeps the container's Cmd out.
    const e = mergeCommitConfig({ Entrypoint: ['/init'] }, container);
    assert.equal(e.Cmd, undefined);
  });

  test('repo and tag as Docker combines them', () => {
    assert.equal(commitTag(undefined, 'v1'), undefined);
    assert.equal(commitTag('me/app', undefined), 'docker.io/me/app:latest');
    assert.equal(commitTag('me/app', 'v2'), 'docker.io/me/app:v2');
    assert.equal(commitTag('localhost:5000/app:v3', undefined), 'localhost:5000/app:v3');
    assert.throws(() => commitTag(`me/app@sha256:${'a'.repeat(64)}`, undefined), /digest reference/);
    assert.throws(() => commitTag('Bad Name', undefined));
  });
});
