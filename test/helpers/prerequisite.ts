/**
 * The `skip` option of a test that needs something a developer's machine may lack (root, crun, a
 * built addon). Outside CI a missing prerequisite skips with `why`. In CI (`CI=true`, where
 * .ci/run installs everything the suite needs) it is never a skip: the test runs, and a missing
 * prerequisite shows as the failure it is.
 */
export function skipUnless(present: boolean, why: string): false | string {
  return present || process.env.CI === 'true' ? false : why;
}
