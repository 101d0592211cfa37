import { describe, expect, it } from 'vitest';
import { createGuardrailCheck, guardrailConfigErrors } from '../../policy/engine/index.js';
import type { Guardrail } from '../../policy/schema.js';
import './index.js';

const rule = (patterns: string[]) => ({ id: 'deny', type: 'deny_regex', hook: 'llm_input', action: 'validate', mode: 'enforce', config: { patterns } }) as Guardrail;

describe('deny_regex is linear on user patterns', () => {
  // Each of these takes exponential or high-polynomial time in a backtracking engine on these
  // inputs; through re2js they are one linear pass each, so the scan finishes.
  it.each([
    ['(a+)+$', 'a'.repeat(100_000) + '!', []],
    ['(a|a)*b', 'a'.repeat(100_000), []],
    ['(.*a){20}', 'a'.repeat(100_000), [[0, 100_000]]],
    ['(x+x+)+y', 'x'.repeat(100_000), []],
    ['^(\\w+\\s?)*$', `${'word '.repeat(20_000)}!`, []],
  ])('%s on 100 KB', async (pattern, text, spans) => {
    const found = await createGuardrailCheck('deny_regex', { patterns: [pattern] }).scan([text]);
    expect(found.map((f) => [f.start, f.end])).toEqual(spans);
  });

  it('refuses what RE2 cannot run (backreferences, lookaround), naming the pattern and what to do', () => {
    const [backref] = guardrailConfigErrors(rule(['ok', '(a)\\1']));
    expect(backref).toMatch(/^config\.patterns\.1: guardrail deny: pattern "\(a\)\\\\1" is not a valid RE2 expression .*rewrite it without them$/);
    expect(guardrailConfigErrors(rule(['(?<=x)y']))[0]).toMatch(/^config\.patterns\.0: .*not a valid RE2 expression/);
    expect(guardrailConfigErrors(rule(['x(?!y)']))[0]).toMatch(/^config\.patterns\.0: /);
  });
});
