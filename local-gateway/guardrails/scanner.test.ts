import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registerGuardrailType } from '../policy/engine/guardrails.js';
import { GuardrailSchema, permissiveTier, type Guardrail } from '../policy/schema.js';
import { builtinPlan, Scanner, tierPlan } from './scanner.js';

// A remote-style type answering asynchronously: every occurrence of its word, or a failure on "boom".
registerGuardrailType('test_words', {
  config: z.strictObject({ word: z.string() }),
  create(config) {
    return {
      async scan(texts) {
        await new Promise((r) => setImmediate(r));
        if (texts.some((t) => t.includes('boom'))) throw new Error('provider timed out');
        return texts.flatMap((t, text) => [...t.matchAll(new RegExp(config.word, 'g'))].map((m) => ({ type: config.word, text, start: m.index, end: m.index + config.word.length })));
      },
      redact: (texts) => [...texts],
    };
  },
});

const rule = (id: string, extra: Partial<Guardrail> & { config?: Record<string, unknown> }): Guardrail =>
  GuardrailSchema.parse({ id, type: 'deny_regex', hook: 'llm_input', action: 'validate', ...extra });

describe('Scanner', () => {
  it('merges sync and async rules, ordered by text and position, identical findings once', async () => {
    const s = new Scanner([
      rule('words', { type: 'test_words', config: { word: 'acme' } }),
      rule('ids', { config: { patterns: ['ACME-[0-9]+', 'ACME-\\d+'], label: 'ticket' } }),
      // The same rule listed for the output hook too scans once.
      rule('ids', { hook: 'llm_output', config: { patterns: ['ACME-[0-9]+', 'ACME-\\d+'], label: 'ticket' } }),
    ]);
    expect(s.rules).toHaveLength(2);
    expect(await s.scanTexts(['see ACME-7', 'acme and acme'])).toEqual([
      { guardrail: 'ids', type: 'ticket', text: 0, start: 4, end: 10 },
      { guardrail: 'words', type: 'acme', text: 1, start: 0, end: 4 },
      { guardrail: 'words', type: 'acme', text: 1, start: 9, end: 13 },
    ]);
  });

  it('rejects when a guardrail fails, and refuses a rule whose type this build lacks', async () => {
    const s = new Scanner([rule('words', { type: 'test_words', config: { word: 'x' } })]);
    await expect(s.scanTexts(['boom'])).rejects.toThrow('provider timed out');
    expect(() => new Scanner([rule('p', { type: 'no_such_type' })])).toThrow('guardrail type "no_such_type" is not available in this build');
  });
});

describe('plans', () => {
  it('scans a tier\'s text hooks, mutators included, and leaves the MCP hooks out', () => {
    const tier = { ...permissiveTier('dev'), guardrails: [rule('a', { config: { patterns: ['a'] } }), rule('b', { hook: 'llm_output', action: 'mutate', config: { patterns: ['b'] } }), rule('c', { hook: 'mcp_pre_tool', config: { patterns: ['c'] } })] };
    expect(tierPlan(tier)).toEqual({ rules: [tier.guardrails[0], tier.guardrails[1]], notes: [] });
  });

  it('falls back to the built-in set, naming the types this build lacks', () => {
    const plan = tierPlan({ ...permissiveTier('dev'), guardrails: [rule('c', { hook: 'mcp_post_tool', config: { patterns: ['c'] } })] });
    expect(plan.notes[0]).toBe('tier "dev" has no llm_input or llm_output guardrails: scanning with the built-in set (pii, secrets, prompt_injection).');
    const some = builtinPlan(['test_words', 'not_built']);
    expect(some.rules.map((r) => [r.id, r.type, r.hook, r.action])).toEqual([['test_words', 'test_words', 'llm_input', 'validate']]);
    expect(some.notes).toEqual(['guardrail type "not_built" is not in this build: skipped.']);
  });
});
