import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ociSeccomp, parseSeccompProfile } from './seccomp.js';

test('a custom profile in Docker format or OCI format becomes the OCI section', () => {
  const docker = parseSeccompProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['sethostname'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
        { names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      ],
    }),
  );
  const section = ociSeccomp(docker, ['CAP_CHOWN']) as { syscalls: Array<{ names: string[] }> };
  assert.deepEqual(
    section.syscalls.map((s) => s.names),
    [['sethostname']],
  );
  const oci = parseSeccompProfile(
    JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86'], syscalls: [] }),
  );
  assert.deepEqual((ociSeccomp(oci, []) as { architectures: string[] }).architectures, ['SCMP_ARCH_X86']);
});

test('a profile that cannot be one is refused with Docker-style messages', () => {
  assert.throws(
    () => parseSeccompProfile('{nope'),
    /Decoding seccomp profile failed: Expected property name/,
  );
  assert.throws(() => parseSeccompProfile('[]'), /Decoding seccomp profile failed/);
  assert.throws(() => parseSeccompProfile('{"syscalls":[]}'), /defaultAction/);
  assert.throws(
    () =>
      parseSeccompProfile(
        JSON.stringify({
          defaultAction: 'SCMP_ACT_ALLOW',
          architectures: ['SCMP_ARCH_X86_64'],
          archMap: [{ architecture: 'SCMP_ARCH_X86_64' }],
        }),
      ),
    /use either 'architectures' or 'archMap'/,
  );
  assert.throws(
    () =>
      parseSeccompProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'] }] })),
    /needs an action/,
  );
});
