import { describe, expect, it } from 'vitest';
import type { Verdict } from '../policy/schema.js';
import { createContext } from './context.js';
import { refusal, shadowHeaders } from './tier-runs.js';

function v(tier: string, rule: string, decision: Verdict['decision'], mode: Verdict['mode'] = 'enforce', stage: Verdict['stage'] = 'input_guardrails'): Verdict {
  return { tier, enforced: tier === 'dev', stage, rule, decision, mode, findings: [], reason: `${tier} ${rule}` };
}

function headersFor(verdicts: Verdict[]): string[] {
  const ctx = createContext({ method: 'POST', path: '/v1/chat/completions', api: 'chat.completions', tier: 'dev', headers: {} });
  ctx.verdicts.push(...verdicts);
  return shadowHeaders(ctx);
}

describe('x-gatehouse-shadow', () => {
  it('names only what the shadow tier decides differently, strongest first', () => {
    expect(headersFor([v('dev', 'pii', 'mutate'), v('prod', 'pii', 'mutate')])).toEqual([]);
    expect(headersFor([v('dev', 'pii', 'mutate', 'audit'), v('prod', 'pii', 'mutate')])).toEqual(['prod; would=mutate; rules=pii']);
    expect(headersFor([v('prod', 'pii', 'mutate'), v('prod', 'injection', 'block', 'audit')])).toEqual(['prod; would=mutate; rules=pii,injection']);
    expect(headersFor([v('prod', 'injection', 'block', 'audit')])).toEqual(['prod; would=audit; rules=injection']);
    expect(headersFor([v('prod', 'x', 'allow'), v('staging', 'y', 'block')])).toEqual(['staging; would=block; rules=y']);
  });
});

describe('refusals', () => {
  it('name every missing metadata key in one message', () => {
    const err = refusal([v('prod', 'metadata.team', 'block', 'enforce', 'metadata'), v('prod', 'metadata.ticket_id', 'block', 'enforce', 'metadata')]);
    expect(err.code).toBe('GH_ERR_METADATA_REQUIRED');
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe('prod requires metadata keys team, ticket_id: send x-gatehouse-metadata: {"team":"…","ticket_id":"…"} with the request.');
  });

  it('carry the longest retry-after of the blocking limits', () => {
    const a = { ...v('dev', 'a', 'block', 'enforce', 'rate_limits'), retry_after_s: 5 };
    const b = { ...v('dev', 'b', 'block', 'enforce', 'rate_limits'), retry_after_s: 40 };
    const err = refusal([a, b]);
    expect(err.statusCode).toBe(429);
    expect(err.headers['retry-after']).toBe('40');
  });
});
