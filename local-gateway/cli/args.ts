import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultHome } from '../core/home.js';
import { nearest } from '../core/suggest.js';

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
  const all = { ...COMMON_OPTIONS, ...options };
  try {
    return parseArgs({ args: argv, options: all, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(usageMessage(err as Error & { code?: string }, argv, all));
  }
}

/**
 * One sentence for a parseArgs refusal: Node's own text ("Unknown option '--prot'") names
 * neither the option meant nor what to type, so the option is found again in the arguments.
 */
function usageMessage(err: Error & { code?: string }, argv: string[], options: NonNullable<ParseArgsConfig['options']>): string {
  const names = Object.keys(options);
  const flag = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`);
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const known = new Set(names.flatMap((n) => [n, options[n]!.short].filter((x): x is string => x !== undefined)));
    const unknown = tokens.find((t) => t.kind === 'option' && !known.has(t.name));
    const name = unknown?.kind === 'option' ? unknown.name : '';
    const meant = nearest(name, names);
    return meant
      ? `unknown option ${flag(name)}: did you mean ${flag(meant)}?`
      : `unknown option ${flag(name)}: use one of ${names.map(flag).join(', ')}.`;
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const bad = tokens.find((t) => t.kind === 'option' && ((options[t.name]?.type === 'string') === (t.value === undefined)));
    if (bad?.kind === 'option') {
      return options[bad.name]?.type === 'string'
        ? `option ${flag(bad.name)} needs a value: write ${flag(bad.name)} <value>.`
        : `option ${flag(bad.name)} takes no value: write ${flag(bad.name)} alone.`;
    }
  }
  return `${err.message.split('\n')[0]}: run gatehouse --help for the options.`;
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

