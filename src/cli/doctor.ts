import { userInfo } from 'node:os';
import {
  type CheckResult,
  checkPrerequisites,
  type DistroInfo,
  detectDistro,
  formatChecks,
} from '../launcher/prerequisites/index.js';

export { formatChecks };

const USAGE = `Usage: rootlessd doctor [--json]

Checks every prerequisite of rootlessd for the current user and prints PASS, WARN or FAIL
for each, then the commands an administrator runs to fix the failures.

Options:
  --json   print the results as JSON
  -h, --help

Exit status: 1 when any check fails, 0 otherwise.`;

export interface DoctorReport {
  user: string;
  uid: number;
  os: DistroInfo;
  /** No check failed. */
  ok: boolean;
  /** The daemon can start (no failed check blocks it). */
  canStart: boolean;
  checks: CheckResult[];
}

export async function doctorReport(): Promise<DoctorReport> {
  const [checks, os] = await Promise.all([checkPrerequisites(), detectDistro()]);
  const info = userInfo();
  return {
    user: info.username,
    uid: info.uid,
    os,
    ok: !checks.some((c) => c.status === 'fail'),
    canStart: !checks.some((c) => c.status === 'fail' && c.blocksStart),
    checks,
  };
}

/** `rootlessd doctor [--json]`: exit 1 when any check fails. */
export async function doctorCommand(args: string[]): Promise<number> {
  let json = false;
  for (const arg of args) {
    if (arg === '--json') json = true;
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else {
      process.stderr.write(`rootlessd doctor: unknown argument "${arg}"\n\n${USAGE}\n`);
      return 2;
    }
  }
  const report = await doctorReport();
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const header = `rootlessd doctor: ${report.user} (uid ${report.uid}) on ${report.os.prettyName}`;
    const verdict = report.ok
      ? 'rootlessd can run here.'
      : report.canStart
        ? 'rootlessd can start, but with the failures above some features do not work.'
        : 'rootlessd cannot start until the blocking failures are fixed.';
    const body = formatChecks(report.checks, {
      warnFixes: true,
      ...(report.os.family ? { family: report.os.family } : {}),
    });
    process.stdout.write(`${header}\n\n${body}\n\n${verdict}\n`);
  }
  return report.ok ? 0 : 1;
}
