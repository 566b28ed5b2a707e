import { type LevelWithSilent, type Logger, pino } from 'pino';

export type { Logger };

const level = (process.env.ROOTLESSD_LOG_LEVEL ?? 'info') as LevelWithSilent;

/** The root logger: JSON lines on stderr. One child per module via `moduleLogger`. */
export const rootLogger: Logger = pino(
  {
    level,
    base: { pid: process.pid },
    redact: {
      paths: ['password', '*.password', 'auth', '*.auth', 'identitytoken', '*.identitytoken', 'registryAuth'],
      censor: '[redacted]',
    },
  },
  pino.destination(2),
);

const children: Logger[] = [];

export function moduleLogger(module: string): Logger {
  const child = rootLogger.child({ module });
  children.push(child);
  return child;
}

/** Applies a log level from the configuration (daemon.json `log-level`, `--log-level`). */
export function setLogLevel(next: string): void {
  const map: Record<string, LevelWithSilent> = { warning: 'warn', fatal: 'fatal' };
  const value = map[next] ?? (next as LevelWithSilent);
  rootLogger.level = value;
  for (const child of children) child.level = value;
}
