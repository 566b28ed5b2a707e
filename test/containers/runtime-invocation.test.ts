import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { crunOnly, type Daemon, docker, dockerOk, dockerode, withDaemon } from '../helpers/index.js';

/**
 * How the OCI runtime is run. crun sees its binary on a read-only mount (so it does not copy
 * itself before each run), and the seccomp filter compiled at a container's create is reused by
 * later creates with the same seccomp section (src/engine/containers/seccomp-bpf.ts, through crun's
 * `run.oci.seccomp_bpf_data` annotation), and never by a create with another section.
 */

let d: Daemon;
let bb: string;
let profile: string;
const CRUN_ONLY = crunOnly();
const ANNOTATION = 'run.oci.seccomp_bpf_data';

withDaemon({ images: ['busybox'] }, (env) => {
  d = env.daemon;
  bb = env.image('busybox');
  // Allows everything but sethostname(2).
  profile = join(d.base, 'no-sethostname.json');
  writeFileSync(
    profile,
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['sethostname'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    }),
  );
  chmodSync(profile, 0o644);
});

/** Starts a container that sets its host name and reports seccomp; returns its output and annotations. */
async function probe(extra: string[]): Promise<{ out: string; annotations: Record<string, string> }> {
  const script = 'hostname renamed && echo renamed; grep "^Seccomp:" /proc/self/status; sleep 30';
  const id = (await dockerOk(d, ['run', '-d', '--network', 'none', ...extra, bb, 'sh', '-c', script])).trim();
  const spec = JSON.parse(readFileSync(join(d.runtimeDir, 'rootlessd', 'c', id, 'config.json'), 'utf8')) as {
    annotations?: Record<string, string>;
  };
  let out = '';
  for (let i = 0; i < 50 && !/Seccomp:/.test(out); i++) {
    out = (await docker(d, ['logs', id])).stdout;
    await new Promise((r) => setTimeout(r, 100));
  }
  await dockerOk(d, ['rm', '-f', id]);
  return { out, annotations: spec.annotations ?? {} };
}

describe('custom seccomp profiles', () => {
  test('a profile is applied, and one that is not JSON is refused at create with 400', async () => {
    const c = await probe(['--cap-add', 'SYS_ADMIN', '--security-opt', `seccomp=${profile}`]);
    assert.doesNotMatch(c.out, /renamed/);
    assert.match(c.out, /Seccomp:\s*2/);
    const res = await dockerode(d)
      .createContainer({ Image: bb, Cmd: ['true'], HostConfig: { SecurityOpt: ['seccomp={not json'] } })
      .then(
        () => undefined,
        (err: { statusCode?: number; message: string }) => err,
      );
    assert.equal(res?.statusCode, 400);
    assert.match(res?.message ?? '', /Decoding seccomp profile failed/);
  });
});

describe('compiled seccomp filters', { skip: CRUN_ONLY }, () => {
  test('the second create of a section reuses the filter; other sections keep theirs', async () => {
    const admin = ['--cap-add', 'SYS_ADMIN'];
    const custom = [...admin, '--security-opt', `seccomp=${profile}`];
    // First creates compile; each section's filter is kept.
    const a1 = await probe(admin);
    const c1 = await probe(custom);
    assert.ok(!(ANNOTATION in a1.annotations), 'the first create compiles');
    // The default profile allows sethostname with CAP_SYS_ADMIN; the custom one refuses it.
    assert.match(a1.out, /renamed/);
    assert.doesNotMatch(c1.out, /renamed/);
    for (const r of [a1, c1]) assert.match(r.out, /Seccomp:\s*2/);

    const a2 = await probe(admin);
    const c2 = await probe(custom);
    assert.ok(ANNOTATION in a2.annotations, 'the second create with the same section carries the filter');
    assert.ok(ANNOTATION in c2.annotations);
    assert.notEqual(a2.annotations[ANNOTATION], c2.annotations[ANNOTATION]);
    assert.equal(Buffer.from(a2.annotations[ANNOTATION] ?? '', 'base64').length % 8, 0);
    // Same behaviour as the compiled filters: each container got its own section's filter.
    assert.match(a2.out, /renamed/);
    assert.doesNotMatch(c2.out, /renamed/);
    for (const r of [a2, c2]) assert.match(r.out, /Seccomp:\s*2/);

    // Without seccomp there is nothing to reuse.
    const u = await probe([...admin, '--security-opt', 'seccomp=unconfined']);
    assert.ok(!(ANNOTATION in u.annotations));
    assert.match(u.out, /Seccomp:\s*0/);
  });
});

describe('the runtime binary', { skip: CRUN_ONLY }, () => {
  test('is read-only in the engine mount namespace, so crun runs without copying itself', () => {
    const engine = d.pids().engine;
    assert.ok(engine);
    const mountinfo = readFileSync(`/proc/${engine}/mountinfo`, 'utf8');
    const line = mountinfo.split('\n').findLast((l) => l.split(' ')[4] === '/usr/bin/crun');
    assert.ok(line, 'a mount at /usr/bin/crun');
    assert.ok(line.split(' ')[5]?.split(',').includes('ro'), line);
  });
});
