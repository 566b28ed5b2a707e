import type { Fix } from './types.js';

/** A fix that installs distribution packages, named per package manager. */
export function installFix(pkgs: { apt: string; dnf: string; zypper: string }): Fix {
  return {
    apt: `apt-get install -y ${pkgs.apt}`,
    dnf: `dnf install -y ${pkgs.dnf}`,
    zypper: `zypper install -y ${pkgs.zypper}`,
  };
}

/** The same package name everywhere. */
export function installSame(pkg: string): Fix {
  return installFix({ apt: pkg, dnf: pkg, zypper: pkg });
}

export function withAny(fix: Fix, any: string): Fix {
  return { ...fix, any: fix.any ? `${fix.any}\n${any}` : any };
}
