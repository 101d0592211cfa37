import { describe, expect, it } from 'vitest';
import { PolicyBundleSchema, resolveTier, type ResolvedTier } from '../schema.js';
import { evaluateRequest, PRE_STAGES, registerGuardrailType, runGuardrails, settleTokens, TierState, type RequestFacts } from './index.js';
import { z } from 'zod';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

function tier(spec: Record<string, unknown>, name = 'prod'): ResolvedTier {
  return resolveTier(PolicyBundleSchema.parse({ apiVersion: 'gatehouse/v1', org: 'acme', tiers: { [name]: spec } }), name);
}

function facts(over: Partial<RequestFacts> = {}): RequestFacts {
  return {
    api: 'chat.completions', model: 'up/gpt-4o-mini', resolvedModel: 'up/gpt-4o-mini', user: 'ana', team: 'payments',
    metadata: {}, input: ['hello'], output: null, estimatedTokens: 10, tokensIn: null, tokensOut: null, at: T0, ...over,
  };
}

const shadow = { tier: 'prod', enforced: false };

describe('policy stages', () => {
  it('metadata names every missing key as its own rule', () => {
    const t = tier({ metadata: { required: ['team', 'ticket_id'] } });
    const v = PRE_STAGES.metadata(t, facts({ metadata: { team: 'payments' } }), new TierState(), shadow);
    expect(v.map((x) => [x.rule, x.decision, x.enforced])).toEqual([['metadata.ticket_id', 'block', false]]);
    expect(v[0]!.reason).toContain('x-gatehouse-metadata');
  });

  it('model access: deny wins over allow; globs match requested or resolved names', () => {
    const t = tier({ models: { allow: ['up/*', 'engineering-assistant'], deny: ['up/gpt-4o'] } });
    const s = new TierState();
    expect(PRE_STAGES.model_access(t, facts(), s, shadow)).toEqual([]);
    expect(PRE_STAGES.model_access(t, facts({ model: 'engineering-assistant', resolvedModel: null }), s, shadow)).toEqual([]);
    expect(PRE_STAGES.model_access(t, facts({ model: 'gpt-4o', resolvedModel: 'up/gpt-4o' }), s, shadow)[0]!.rule).toBe('models.deny');
    expect(PRE_STAGES.model_access(t, facts({ model: 'other/x', resolvedModel: 'other/x' }), s, shadow)[0]!.rule).toBe('models.allow');
  });

  it('rate limits: first match wins, windows roll over, a refused request is not counted', () => {
    const t = tier({
      rate_limits: [
        { id: 'ide', when: { metadata: { surface: 'ide' } }, scope: ['user'], limit: { requests: 2, per: '1m' } },
        { id: 'all', scope: ['user'], limit: { requests: 100, per: '1m' } },
      ],
    });
    let now = T0;
    const state = new TierState(() => now);
    const ide = () => PRE_STAGES.rate_limits(t, facts({ metadata: { surface: 'ide' }, at: now }), state, shadow);
    expect(ide()).toEqual([]);
    expect(ide()).toEqual([]);
    const third = ide();
    expect(third.map((v) => [v.rule, v.decision])).toEqual([['ide', 'block']]);
    expect(third[0]!.retry_after_s).toBe(60);
    // Only the first matching rule counts: "all" saw none of the ide requests.
    expect(state.read('rate_limit:all', 'user=ana', '1m').value).toBe(0);
    expect(state.read('rate_limit:ide', 'user=ana', '1m').value).toBe(2);
    // Another user has their own counter.
    expect(PRE_STAGES.rate_limits(t, facts({ user: 'bo', metadata: { surface: 'ide' } }), state, shadow)).toEqual([]);
    now = T0 + 60_000;
    expect(ide()).toEqual([]);
  });

  it('token limits count the estimate first and the real usage after', () => {
    const t = tier({ rate_limits: [{ id: 'tok', scope: ['team'], limit: { tokens: 100, per: 'hour' } }] });
    const state = new TierState(() => T0);
    const f = facts({ estimatedTokens: 60 });
    expect(PRE_STAGES.rate_limits(t, f, state, shadow)).toEqual([]);
    expect(PRE_STAGES.rate_limits(t, f, state, shadow)[0]!.decision).toBe('block');
    settleTokens(t, f, state, 20);
    expect(state.read('rate_limit:tok', 'team=payments', 'hour').value).toBe(20);
    expect(PRE_STAGES.rate_limits(t, f, state, shadow)).toEqual([]);
  });

  it('budgets block once the period is spent, and reset in the next month', async () => {
    const t = tier({ budgets: [{ id: 'team-month', scope: ['metadata.team'], limit: { usd: 1, per: 'month' }, mode: 'audit' }] });
    let now = T0;
    const state = new TierState(() => now);
    const f = () => facts({ metadata: { team: 'payments' }, at: now });
    expect(await evaluateRequest(t, f(), state, { costUsd: 0.6 })).toEqual([]);
    expect(await evaluateRequest(t, f(), state, { costUsd: 0.6 })).toEqual([]);
    const v = await evaluateRequest(t, f(), state);
    expect(v.map((x) => [x.rule, x.decision, x.mode])).toEqual([['team-month', 'block', 'audit']]);
    now = Date.UTC(2026, 11, 1);
    expect(await evaluateRequest(t, f(), state)).toEqual([]);
  });
});

describe('guardrail hooks', () => {
  const email = { patterns: ['[a-z0-9.]+@[a-z0-9.]+\\.[a-z]+'], label: 'email' };

  it('deny_regex validates, and mutates by redacting spans without storing the match', async () => {
    const t = tier({
      guardrails: [
        { id: 'pii', type: 'deny_regex', hook: 'llm_input', action: 'mutate', mode: 'enforce', config: email },
        { id: 'no-secret', type: 'deny_regex', hook: 'llm_input', action: 'validate', mode: 'enforce', config: { patterns: ['sk-[a-z0-9]{8,}'] } },
      ],
    });
    const out = await runGuardrails(t, 'llm_input', facts(), ['mail ana@example.com', 'key sk-abcdefgh12'], shadow);
    expect(out.texts).toEqual(['mail [redacted:email]', 'key sk-abcdefgh12']);
    expect(out.verdicts.map((v) => [v.rule, v.decision])).toEqual([['pii', 'mutate'], ['no-secret', 'block']]);
    expect(out.verdicts[0]!.findings).toEqual([{ type: 'email', start: 5, end: 20, detail: 'input[0]' }]);
    expect(JSON.stringify(out.verdicts)).not.toContain('ana@example.com');
  });

  it('mutators run in sequence; validators see the redacted text', async () => {
    const t = tier({
      guardrails: [
        { id: 'v', type: 'deny_regex', hook: 'llm_input', action: 'validate', config: email },
        { id: 'm', type: 'deny_regex', hook: 'llm_input', action: 'mutate', config: email },
      ],
    });
    const out = await runGuardrails(t, 'llm_input', facts(), ['a@b.io'], shadow);
    expect(out.verdicts.map((v) => v.rule)).toEqual(['m']);
  });

  it('validators run in parallel', async () => {
    let running = 0;
    let peak = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    registerGuardrailType('test_slow', {
      config: z.object({}),
      create: () => ({
        async scan() {
          running++;
          peak = Math.max(peak, running);
          if (running === 2) release();
          await gate;
          running--;
          return [];
        },
        redact: (t) => [...t],
      }),
    });
    const t = tier({
      guardrails: [
        { id: 'a', type: 'test_slow', hook: 'llm_input', action: 'validate' },
        { id: 'b', type: 'test_slow', hook: 'llm_input', action: 'validate' },
      ],
    });
    await runGuardrails(t, 'llm_input', facts(), ['x'], shadow);
    expect(peak).toBe(2);
  });

  it('a failing guardrail: enforce lets through and records, strict blocks', async () => {
    registerGuardrailType('test_broken', { config: z.object({}), create: () => ({ scan: () => { throw new Error('model offline'); }, redact: (t) => [...t] }) });
    const t = tier({
      guardrails: [
        { id: 'e', type: 'test_broken', hook: 'llm_input', action: 'validate', mode: 'enforce' },
        { id: 's', type: 'test_broken', hook: 'llm_input', action: 'validate', mode: 'strict' },
        { id: 'missing', type: 'no_such_type', hook: 'llm_input', action: 'validate', mode: 'audit' },
      ],
    });
    const out = await runGuardrails(t, 'llm_input', facts(), ['x'], shadow);
    expect(out.verdicts.map((v) => [v.rule, v.decision, v.findings[0]!.type])).toEqual([
      ['e', 'allow', 'error'],
      ['s', 'block', 'error'],
      ['missing', 'allow', 'error'],
    ]);
  });
});

describe('windows', () => {
  it('align to UTC calendar periods and fixed spans', async () => {
    const { windowOf } = await import('./window.js');
    // 2026-11-23 is a Monday.
    expect(windowOf('week', Date.UTC(2026, 10, 25, 13)).start).toBe(Date.UTC(2026, 10, 23));
    expect(windowOf('week', Date.UTC(2026, 10, 23)).start).toBe(Date.UTC(2026, 10, 23));
    expect(windowOf('week', Date.UTC(2026, 10, 22, 23)).start).toBe(Date.UTC(2026, 10, 16));
    expect(windowOf('month', Date.UTC(2026, 11, 31, 23))).toEqual({ start: Date.UTC(2026, 11, 1), end: Date.UTC(2027, 0, 1) });
    expect(windowOf('15m', Date.UTC(2026, 10, 23, 10, 44))).toEqual({ start: Date.UTC(2026, 10, 23, 10, 30), end: Date.UTC(2026, 10, 23, 10, 45) });
  });
});

describe('tier state', () => {
  it('drops counters of finished windows once it holds many', () => {
    let now = T0;
    const state = new TierState(() => now);
    for (let i = 0; i < 10_000; i++) state.add('rate_limit:r', `user=u${i}`, '1m', 1);
    now += 60_000;
    state.add('rate_limit:r', 'user=new', '1m', 1);
    expect(state.size).toBe(1);
    expect(state.read('rate_limit:r', 'user=new', '1m').value).toBe(1);
  });
});

describe('guardrail memo of long texts', () => {
  it('finds the same in a resent text, and rescans a different text with the same ends', async () => {
    const t = tier({ guardrails: [{ id: 'pii', type: 'deny_regex', hook: 'llm_input', action: 'validate', config: { patterns: ['[a-z]+@[a-z]+\\.io'], label: 'email' } }] });
    const pad = 'x'.repeat(600);
    const clean = `${pad} nothing here${pad}`;
    const dirty = `${pad} mail a@b.io ${pad}`;
    expect(clean.length).toBe(dirty.length);
    const scan = async (text: string) => (await runGuardrails(t, 'llm_input', facts(), [text.slice(0)], shadow)).verdicts.length;
    expect(await scan(clean)).toBe(0);
    expect(await scan(`${clean}`)).toBe(0);
    expect(await scan(dirty)).toBe(1);
    expect(await scan(dirty)).toBe(1);
    expect(await scan(clean)).toBe(0);
  });
});
