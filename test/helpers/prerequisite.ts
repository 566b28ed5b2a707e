import { existsSync } from 'node:fs';

/**
 * The `skip` option of a test that needs something a developer's machine may lack (root, crun, a
 * built addon). Outside CI a missing prerequisite skips with `why`. In CI (`CI=true`, where
 * .ci/run installs everything the suite needs) it is never a skip: the test runs, and a missing
 * prerequisite shows as the failure it is.
 */
export function skipUnless(present: boolean, why: string): false | string {
  return present || process.env.CI === 'true' ? false : why;
}

/**
 * The `skip` option of a test about crun: new containers run under crun unless runc is forced
 * (`ROOTLESSD_RUNTIME=runc`, a chosen variant, not a missing prerequisite).
 */
export function crunOnly(): false | string {
  if (process.env.ROOTLESSD_RUNTIME === 'runc') return 'runc is forced (ROOTLESSD_RUNTIME)';
  return skipUnless(existsSync('/usr/bin/crun'), 'crun is not installed');
}
