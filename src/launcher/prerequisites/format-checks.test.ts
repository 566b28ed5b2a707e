import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatChecks, formatFixes } from './format-checks.js';
import type { CheckResult } from './types.js';

const results: CheckResult[] = [
  { id: 'runc', title: 'runc', status: 'pass', detail: '/usr/sbin/runc', blocksStart: false },
  {
    id: 'dev-fuse',
    title: '/dev/fuse usable',
    status: 'fail',
    detail: 'cannot open /dev/fuse read-write (EACCES)',
    fix: { any: 'chmod 0666 /dev/fuse' },
    blocksStart: false,
  },
  {
    id: 'conmon',
    title: 'conmon',
    status: 'fail',
    detail: 'conmon not found',
    fix: {
      apt: 'apt-get install -y conmon',
      dnf: 'dnf install -y conmon',
      zypper: 'zypper install -y conmon',
    },
    blocksStart: true,
  },
  {
    id: 'linger',
    title: 'lingering',
    status: 'warn',
    detail: 'not enabled',
    fix: { any: 'loginctl enable-linger u' },
    blocksStart: false,
  },
];

test('each check on one line with its status', () => {
  const text = formatChecks(results, { family: 'apt' });
  assert.match(text, /^PASS {2}runc {14}\/usr\/sbin\/runc$/m);
  assert.match(text, /^FAIL {2}\/dev\/fuse usable {2}cannot open/m);
  assert.match(text, /^WARN {2}lingering/m);
  assert.match(text, /1 passed, 1 warning, 2 failed \(1 stops the daemon from starting\)/);
});

test('one block of commands for the detected family, failures only by default', () => {
  const text = formatChecks(results, { family: 'apt' });
  assert.match(
    text,
    /To fix the failures, run as root on Debian\/Ubuntu \(apt\):\n\n {4}apt-get install -y conmon\n {4}chmod 0666 \/dev\/fuse/,
  );
  assert.doesNotMatch(text, /dnf install/);
  assert.doesNotMatch(text, /enable-linger/);
  assert.match(
    formatChecks(results, { family: 'apt', warnFixes: true }),
    /for the warnings[^\n]*\n\n {4}loginctl enable-linger u/,
  );
});

test('an unknown family prints every package manager', () => {
  const text = formatFixes(results.filter((r) => r.status === 'fail'));
  assert.match(text, /# Debian\/Ubuntu \(apt\)\n {4}apt-get install -y conmon/);
  assert.match(text, /# Fedora\/RHEL \(dnf\)\n {4}dnf install -y conmon/);
  assert.match(text, /# openSUSE\/SLES \(zypper\)\n {4}zypper install -y conmon/);
  assert.equal(text.match(/chmod 0666/g)?.length, 1);
});

test('all passing: no command block', () => {
  const text = formatChecks(results.slice(0, 1));
  assert.doesNotMatch(text, /run as root/);
});
