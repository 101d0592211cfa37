import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultHome } from '../core/home.js';

/** Exit codes every command uses: ok, failed, bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake in how the command was called: printed as one sentence, exit code 2. */
export class UsageError extends Error {}

/** A failure the user can fix: printed as one sentence, exit code 1. */
export class CommandError extends Error {}

export const COMMON_OPTIONS = {
  home: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see gatehouse --help)`);
  }
}

export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? (env.GATEHOUSE_HOME || defaultHome(env));
}

export function resolvePort(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const raw = flag ?? (env.GATEHOUSE_PORT || '4141');
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`Port "${raw}" is not a port number: use 0–65535.`);
  return port;
}

