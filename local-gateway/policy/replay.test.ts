import { describe, expect, it } from 'vitest';
import { makeTrace } from '../store/testing.js';
import { replayTraces, unknownIn } from './replay.js';
import { PolicyBundleSchema, type Verdict } from './schema.js';

const bundle = PolicyBundleSchema.parse({
  apiVersion: 'gatehouse/v1',
  org: 'acme',
  version: 2,
  tiers: {
    dev: {
      metadata: { required: ['ticket_id'] },
      guardrails: [{ id: 'words', type: 'deny_regex', hook: 'llm_input', action: 'validate', config: { patterns: ['secret'] } }],
    },
  },
});

const v = (over: Partial<Verdict>): Verdict => ({ tier: 'dev', enforced: true, stage: 'metadata', rule: 'metadata.ticket_id', decision: 'block', mode: 'enforce', findings: [], reason: 'r', ...over });
const ask = (content: string) => ({ model: 'm', messages: [{ role: 'user', content }] });

describe('replay baseline', () => {
  it('does not count as a change what was never evaluated: stages after a refusal, guardrails on redacted text', async () => {
    const refused = makeTrace({ metadata: {}, status: 400, request_body: ask('a secret plan'), verdicts: [v({})] });
    const redacted = makeTrace({
      request_body: ask('[redacted:word] plan'),
      verdicts: [v({ stage: 'input_guardrails', rule: 'old-words', decision: 'mutate' })],
    });
    const served = makeTrace({ request_body: ask('my secret'), verdicts: [] });
    expect(unknownIn(refused)('input_guardrails')).toBe(true);
    expect(unknownIn(refused)('metadata')).toBe(false);
    expect(unknownIn(redacted)('input_guardrails')).toBe(true);
    expect(unknownIn(served)('output_guardrails')).toBe(false);

    const report = await replayTraces(bundle, [refused, redacted, served], { tiers: ['dev'] }, true);
    const rule = (name: string) => report.rules.find((r) => r.rule === name)!;
    // Fires on the refused trace and on the served one; only the served one is a change.
    expect(rule('words')).toMatchObject({ after: 2, newly: 1, examples: { newly: [served.id] } });
    expect(rule('old-words')).toMatchObject({ before: 1, after: 0, no_longer: 0 });
    expect(rule('metadata.ticket_id')).toMatchObject({ before: 1, after: 1, newly: 0, no_longer: 0 });
    expect(report.tiers).toEqual([{ tier: 'dev', blocked_before: 1, blocked_after: 2 }]);
  });
});
