import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distroFromOsRelease, familyOf } from './distro.js';

test('Debian and Ubuntu use apt', () => {
  const debian = distroFromOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
  assert.equal(debian.family, 'apt');
  assert.equal(debian.prettyName, 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(distroFromOsRelease('ID=ubuntu\nID_LIKE=debian\n').family, 'apt');
});

test('Fedora, RHEL clones and SUSE', () => {
  assert.equal(distroFromOsRelease('ID=fedora\n').family, 'dnf');
  assert.equal(distroFromOsRelease('ID="rocky"\nID_LIKE="rhel centos fedora"\n').family, 'dnf');
  assert.equal(distroFromOsRelease('ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n').family, 'zypper');
  assert.equal(familyOf(['sles']), 'zypper');
});

test('an unknown distribution has no family: every command is shown', () => {
  const arch = distroFromOsRelease('ID=arch\n');
  assert.equal(arch.family, undefined);
  assert.equal(arch.id, 'arch');
});
