import { homedir, userInfo } from 'node:os';
import { type XdgPaths, xdgPaths } from '../../config/paths.js';

/** Whose prerequisites are checked, and the environment they are checked in. */
export interface CheckContext {
  uid: number;
  user: string;
  home: string;
  env: NodeJS.ProcessEnv;
  xdg: XdgPaths;
}

export interface CheckOptions {
  uid?: number;
  user?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export function checkContext(opts: CheckOptions = {}): CheckContext {
  const env = opts.env ?? process.env;
  const info = userInfo();
  return {
    uid: opts.uid ?? process.getuid?.() ?? info.uid,
    user: opts.user ?? info.username,
    home: env.HOME || homedir(),
    env,
    xdg: xdgPaths(env),
  };
}
