import { redactSecrets } from './redact.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The gateway's own log: one readable line per event on stderr, known secrets masked. Kept
 * small on purpose: Fastify's pino logger would cost ~8 MB of memory in a process that logs
 * a few warnings a day.
 */
export function createLogger(level: LogLevel | false, secrets: readonly string[] = [], write = (line: string) => process.stderr.write(line)): Logger {
  const threshold = level === false ? -1 : LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel) => (message: string, fields: Record<string, unknown> = {}) => {
    if (LOG_LEVELS.indexOf(at) > threshold) return;
    const rest = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
      .join(' ');
    write(redactSecrets(`${new Date().toISOString()} ${at.toUpperCase()} ${message}${rest ? ` ${rest}` : ''}\n`, secrets));
  };
  return { error: emit('error'), warn: emit('warn'), info: emit('info'), debug: emit('debug') };
}
