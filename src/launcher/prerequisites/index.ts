export { blockingFailures, checkPrerequisites, type PrerequisiteOptions } from './check-prerequisites.js';
export { type CheckContext, type CheckOptions, checkContext } from './context.js';
export { type DistroInfo, detectDistro, distroFromOsRelease, type PackageFamily } from './distro.js';
export { EXTRA_PROGRAM_DIRS, findProgram } from './find-program.js';
export { type FormatOptions, formatCheckLines, formatChecks, formatFixes } from './format-checks.js';
export type { CheckResult, CheckStatus, Fix } from './types.js';
