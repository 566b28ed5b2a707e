export type CheckStatus = 'pass' | 'warn' | 'fail';

/** The admin's commands that fix a failed check, per package manager family. */
export interface Fix {
  apt?: string;
  dnf?: string;
  zypper?: string;
  /** A command that is the same everywhere (sysctl, chmod, usermod …). */
  any?: string;
}

export interface CheckResult {
  /** Short stable id, e.g. "newuidmap", "subuid", "dev-fuse". */
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  fix?: Fix;
  /** A failed check that stops the daemon from starting (not every fail does: e.g. lingering). */
  blocksStart: boolean;
}
