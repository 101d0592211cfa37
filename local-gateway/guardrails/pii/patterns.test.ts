import { check } from 'recheck';
import { describe, expect, it } from 'vitest';
import { PLACEHOLDER } from '../../policy/engine/placeholders.js';
import type { Guardrail } from '../../policy/schema.js';
import { PII } from './index.js';
import { PATTERNS } from './patterns.js';

/**
 * Every built-in regex of the pii guardrail is linear-time: recheck proves each one safe
 * (no exponential or polynomial backtracking), and long runs of the characters the patterns
 * repeat go through the whole detector. A catastrophic pattern would hang these tests, so
 * finishing is the assertion; nothing here measures time.
 */

const all: [string, RegExp][] = [...Object.entries(PATTERNS), ['placeholder', PLACEHOLDER]];

describe('pii patterns', () => {
  it.each(all)('%s is linear-time (recheck)', async (_name, re) => {
    const diagnostics = await check(re.source, re.flags, { attackTimeout: null });
    expect(diagnostics.status).toBe('safe');
  });

  const check100k = PII.create(PII.config.parse({}), { id: 'pii', type: 'pii', hook: 'llm_input', action: 'validate', mode: 'enforce' } as Guardrail);
  const N = 100_000;
  const adversarial: [string, string][] = [
    ['digits', '1'.repeat(N)],
    ['digit groups with spaces', '12 '.repeat(N / 3)],
    ['digit groups with dashes', '1-'.repeat(N / 2)],
    ['dotted digits', '1.'.repeat(N / 2)],
    ['brackets and digits', '(1)'.repeat(N / 3)],
    ['plus signs', '+1'.repeat(N / 2)],
    ['local-part characters before no @', 'a.'.repeat(N / 2)],
    ['many @', 'a@'.repeat(N / 2)],
    ['domain labels', `a@${'b.'.repeat(N / 2)}`],
    ['hex and colons', 'a:'.repeat(N / 2)],
    ['double colons', '::1'.repeat(N / 3)],
    ['country codes', 'DE89'.repeat(N / 4)],
    ['IBAN groups', `DE89 ${'1234 '.repeat(N / 5)}`],
    ['octets', '255.'.repeat(N / 4)],
    ['placeholders', '<EMAIL_'.repeat(N / 7)],
    ['blanks after a keyword', `phone${' '.repeat(N)}`],
  ];
  it.each(adversarial)('scans a 100k run of %s to the end', (_name, text) => {
    const found = check100k.scan([text]) as unknown[];
    expect(Array.isArray(found)).toBe(true);
    expect([...text.matchAll(PLACEHOLDER)].length).toBe(0);
  });
});
