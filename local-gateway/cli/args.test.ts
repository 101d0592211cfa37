import { describe, expect, it } from 'vitest';
import { parse, UsageError } from './args.js';

const OPTIONS = { port: { type: 'string', short: 'p' }, write: { type: 'boolean', default: false } } as const;

function usage(argv: string[]): string {
  try {
    parse(argv, OPTIONS);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  return '';
}

describe('parse', () => {
  it('names the option meant for a misspelt one', () => {
    expect(usage(['--prot', '4152'])).toBe('unknown option --prot: did you mean --port?');
    expect(usage(['--wirte'])).toBe('unknown option --wirte: did you mean --write?');
  });

  it('lists the options when none is near', () => {
    expect(usage(['--banana'])).toBe('unknown option --banana: use one of --home, --config, --json, --help, --port, --write.');
  });

  it('says what a missing or unwanted value needs', () => {
    expect(usage(['--port'])).toBe('option --port needs a value: write --port <value>.');
    expect(usage(['--write=yes'])).toBe('option --write takes no value: write --write alone.');
  });

  it('parses what is right', () => {
    expect(parse(['-p', '1', 'x'], OPTIONS)).toMatchObject({ values: { port: '1', write: false }, positionals: ['x'] });
  });
});
