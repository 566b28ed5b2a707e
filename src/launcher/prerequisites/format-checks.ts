import type { PackageFamily } from './distro.js';
import type { CheckResult, CheckStatus } from './types.js';

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

const FAMILY_NAME: Record<PackageFamily, string> = {
  apt: 'Debian/Ubuntu (apt)',
  dnf: 'Fedora/RHEL (dnf)',
  zypper: 'openSUSE/SLES (zypper)',
};

export interface FormatOptions {
  /** The package manager of this machine; undefined prints every family's commands. */
  family?: PackageFamily;
  /** Also print the commands that clear the warnings. */
  warnFixes?: boolean;
}

function indent(lines: Iterable<string>): string {
  return [...lines].map((l) => `    ${l}`).join('\n');
}

function splitLines(text: string | undefined): string[] {
  return (text ?? '').split('\n').filter(Boolean);
}

/**
 * One block of admin commands fixing the given checks: the package installs of one family
 * (or of every family, under a heading each, when it is unknown), then the commands that are
 * the same everywhere. Duplicates are printed once.
 */
export function formatFixes(results: readonly CheckResult[], family?: PackageFamily): string {
  const withFix = results.filter((r) => r.fix);
  const families: PackageFamily[] = family ? [family] : ['apt', 'dnf', 'zypper'];
  const parts: string[] = [];
  for (const f of families) {
    const lines = new Set(withFix.flatMap((r) => splitLines(r.fix?.[f])));
    if (!lines.size) continue;
    parts.push(family ? indent(lines) : `    # ${FAMILY_NAME[f]}\n${indent(lines)}`);
  }
  const any = new Set(withFix.flatMap((r) => splitLines(r.fix?.any)));
  if (any.size) parts.push(indent(any));
  return parts.join('\n');
}

/** One line per check: `PASS  title  detail`. */
export function formatCheckLines(results: readonly CheckResult[]): string {
  const width = Math.max(0, ...results.map((r) => r.title.length));
  return results.map((r) => `${LABEL[r.status]}  ${r.title.padEnd(width)}  ${r.detail}`).join('\n');
}

/**
 * The checks, a summary, and for the failures one block of commands for an administrator.
 * The launcher uses it for its refusal message; doctor for its report.
 */
export function formatChecks(results: readonly CheckResult[], options: FormatOptions = {}): string {
  const fails = results.filter((r) => r.status === 'fail');
  const warns = results.filter((r) => r.status === 'warn');
  const blocking = fails.filter((r) => r.blocksStart);
  const out = [formatCheckLines(results), ''];
  const passed = results.length - fails.length - warns.length;
  out.push(
    `${passed} passed, ${warns.length} warning${warns.length === 1 ? '' : 's'}, ${fails.length} failed` +
      (blocking.length
        ? ` (${blocking.length} stop${blocking.length === 1 ? 's' : ''} the daemon from starting)`
        : ''),
  );
  const where = options.family ? ` on ${FAMILY_NAME[options.family]}` : '';
  const failFixes = formatFixes(fails, options.family);
  if (failFixes) out.push('', `To fix the failures, run as root${where}:`, '', failFixes);
  else if (fails.length) out.push('', 'No command fixes the failures above; see their details.');
  if (options.warnFixes) {
    const warnFixes = formatFixes(warns, options.family);
    if (warnFixes) out.push('', `Optional, for the warnings (as root${where}):`, '', warnFixes);
  }
  return out.join('\n');
}
