import { describe, expect, it } from 'vitest';
import { readEval } from '../../../test/helpers/injection-eval.js';
import { createGuardrailCheck, guardrailConfigErrors } from '../../policy/engine/index.js';
import type { Guardrail } from '../../policy/schema.js';
import '../index.js';

const TOPICS = {
  topics: [
    { name: 'legal_advice', keywords: ['lawsuit', 'sue', 'Rechtsberatung', '诉讼'], patterns: ['file\\s+a\\s+claim'] },
    { name: 'competitors', keywords: ['Globex', 'Initech Cloud'] },
  ],
};
const topic = (config: Record<string, unknown> = TOPICS) => createGuardrailCheck('topic', config);
const spans = async (text: string, config?: Record<string, unknown>) => (await topic(config).scan([text])).map((f) => [f.type, text.slice(f.start, f.end)]);

describe('topic', () => {
  it('finds keywords as whole words, case-insensitively, in any script', async () => {
    expect(await spans('Should we SUE them or file a claim?')).toEqual([
      ['legal_advice', 'SUE'],
      ['legal_advice', 'file a claim'],
    ]);
    expect(await spans('Ich brauche Rechtsberatung.')).toEqual([['legal_advice', 'Rechtsberatung']]);
    // Chinese is written without spaces: no word boundary is asked for there.
    expect(await spans('关于这个诉讼的问题')).toEqual([['legal_advice', '诉讼']]);
    expect(await spans('Compare us with initech cloud pricing')).toEqual([['competitors', 'initech cloud']]);
  });

  it('does not fire inside other words', async () => {
    expect(await spans('The pursuer issued a suede lawsuits-free pseudo update')).toEqual([]);
    expect(await spans('GlobexCorp and sue_id are identifiers')).toEqual([]);
  });

  it('match: all needs every term of a topic', async () => {
    const config = { topics: [{ name: 'merger', keywords: ['acquisition', 'Globex'] }], match: 'all' };
    expect(await spans('The acquisition closes Friday.', config)).toEqual([]);
    expect((await spans('The Globex acquisition closes Friday.', config)).map(([t]) => t)).toEqual(['merger', 'merger']);
  });

  it('mutate replaces each span with the topic name', async () => {
    const g = topic();
    const texts = ['Ask Globex whether to sue.'];
    expect(g.redact(texts, await g.scan(texts))).toEqual(['Ask [removed:competitors] whether to [removed:legal_advice].']);
  });

  it('bad configs are refused, naming the problem', () => {
    const rule = (config: Record<string, unknown>) => ({ id: 'topics', type: 'topic', hook: 'llm_input', action: 'validate', mode: 'enforce', config }) as Guardrail;
    expect(guardrailConfigErrors(rule({ topics: [{ name: 'x' }] }))[0]).toMatch(/at least one keyword or pattern/);
    expect(guardrailConfigErrors(rule({ topics: [{ name: 'Bad Name', keywords: ['a'] }] }))[0]).toMatch(/^config\.topics\.0\.name: /);
    expect(guardrailConfigErrors(rule({ topics: [{ name: 'x', patterns: ['(a'] }] }))[0]).toMatch(/^config\.topics\.0\.patterns\.0: guardrail topics: topic x pattern "\(a" is not a valid RE2 expression/);
    expect(guardrailConfigErrors(rule({ topics: [{ name: 'x', patterns: ['(?=a)b'] }] }))[0]).toMatch(/not a valid RE2 expression/);
  });

  it('user patterns are linear: catastrophic-backtracking shapes finish on 100 KB', async () => {
    const g = topic({ topics: [{ name: 'redos', patterns: ['(a+)+$', '(a|a)*b', '(.*a){20}'] }] });
    const found = await g.scan(['a'.repeat(100_000) + '!']);
    expect(found.map((f) => f.type)).toEqual(['redos']);
  });

  it('meets its small evaluation set exactly', async () => {
    const g = topic();
    for (const c of readEval('topic')) {
      const found = await g.scan([c.text]);
      const got = found.map((f) => `${f.type}:${c.text.slice(f.start, f.end)}`).sort();
      const want = c.expect.map((e) => `${e.type}:${e.value}`).sort();
      expect(got, c.id).toEqual(want);
    }
  });
});
