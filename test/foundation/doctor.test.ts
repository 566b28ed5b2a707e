import assert from 'node:assert/strict';
import { chmodSync, statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createDaemonEnv, type DaemonEnv, removeDaemonEnv, runRootlessd } from '../helpers/index.js';

/** `rootlessd doctor`, run as the test user on the prepared machine. */

let denv: DaemonEnv;
before(async () => {
  denv = await createDaemonEnv();
});
after(async () => {
  if (denv) await removeDaemonEnv(denv);
});

test('doctor passes on the prepared machine', async () => {
  const r = await runRootlessd(denv, ['doctor']);
  assert.equal(r.exitCode, 0, `doctor failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(`${r.stdout}${r.stderr}`, /fuse/i, 'doctor does not mention fuse');
});

test('with /dev/fuse unusable, doctor fails and prints the fix', async () => {
  // The suite runs as root (CI does): the test user is reached through runuser.
  assert.ok(denv.user.viaRunuser, 'this test needs root to chmod /dev/fuse: run the suite as root');
  const mode = statSync('/dev/fuse').mode & 0o777;
  chmodSync('/dev/fuse', 0o600);
  try {
    const r = await runRootlessd(denv, ['doctor']);
    const text = `${r.stdout}\n${r.stderr}`;
    assert.notEqual(r.exitCode, 0, `doctor passed with /dev/fuse 0600:\n${text}`);
    const lines = text.split('\n').filter((l) => l.includes('/dev/fuse'));
    assert.ok(lines.length > 0, `no line mentions /dev/fuse:\n${text}`);
    assert.match(
      text,
      /chmod|apt(-get)? install|dnf install|zypper install|modprobe|udev/,
      `no fix command:\n${text}`,
    );
  } finally {
    chmodSync('/dev/fuse', mode === 0o600 ? 0o666 : mode);
  }
});
