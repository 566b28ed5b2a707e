import { release } from 'node:os';
import type { ProgramVersion } from '../../drivers/component-versions.js';
import type { ComponentVersion, SystemVersion } from '../../types/index.js';
import { buildInfo } from './build-info.js';
import { goArch } from './host-facts.js';

export interface VersionInputs {
  apiVersion: string;
  minApiVersion: string;
  experimental: boolean;
  helpers: ProgramVersion[];
}

function helperComponent(p: ProgramVersion): ComponentVersion | undefined {
  if (!p.version) return undefined;
  const details: Record<string, string> = {};
  const commit = p.details.commit;
  if (commit) details.GitCommit = commit;
  if (p.path) details.Path = p.path;
  return { Name: p.name, Version: p.version, Details: details };
}

/** GET /version: the engine, and each helper program with the version it reports. */
export function systemVersion(inputs: VersionInputs): SystemVersion {
  const build = buildInfo();
  const engine: ComponentVersion = {
    Name: 'Engine',
    Version: build.version,
    Details: {
      ApiVersion: inputs.apiVersion,
      Arch: goArch(),
      BuildTime: build.buildTime,
      Experimental: String(inputs.experimental),
      GitCommit: build.gitCommit,
      GoVersion: `node ${process.version}`,
      KernelVersion: release(),
      MinAPIVersion: inputs.minApiVersion,
      Os: 'linux',
    },
  };
  const helpers = inputs.helpers.map(helperComponent).filter((c): c is ComponentVersion => c !== undefined);
  return {
    Platform: { Name: `rootlessd ${build.version}` },
    Components: [
      engine,
      ...helpers,
      { Name: 'rootlessd', Version: build.version, Details: { GitCommit: build.gitCommit } },
    ],
    Version: build.version,
    ApiVersion: inputs.apiVersion,
    MinAPIVersion: inputs.minApiVersion,
    GitCommit: build.gitCommit,
    GoVersion: `node ${process.version}`,
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: release(),
    Experimental: inputs.experimental,
    BuildTime: build.buildTime,
  };
}
