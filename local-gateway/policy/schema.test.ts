import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PolicyBundleSchema, resolveTier } from './schema.js';

const DESIGN_EXAMPLE = `
apiVersion: gatehouse/v1
org: acme
version: 12
expires: 2026-12-31T00:00:00Z
tiers:
  dev:
    models: { allow: ["*"] }
    guardrails:
      - { id: pii, type: pii, hook: llm_input, action: mutate, mode: audit }
  prod:
    extends: dev
    metadata: { required: [team, ticket_id] }
    models: { allow: ["openai/*", "engineering-assistant"], deny: [] }
    virtual_models:
      engineering-assistant:
        targets:
          - { model: openai/gpt-4o-mini, priority: 0, weight: 1, retry: { attempts: 2, on_status: [429, 500] } }
          - { model: anthropic/claude-sonnet-4-5, priority: 1 }
        fallback_on: [429, 500, 502, 503, timeout]
    rate_limits:
      - { id: ide-tokens, when: { metadata: { surface: ide-agent } }, scope: [user], limit: { tokens: 200000, per: 1h }, mode: enforce }
    budgets:
      - { id: team-month, scope: [metadata.team], limit: { usd: 500, per: month }, mode: audit }
    guardrails:
      - { id: pii, type: pii, hook: llm_input, action: mutate, mode: enforce, config: { entities: [email, phone] } }
      - { id: secrets-out, type: secrets, hook: llm_output, action: validate, mode: strict }
    logging: { bodies: full, retention_days: 30 }
    sync: { push: [usage, verdicts] }
`;

describe('policy bundle schema', () => {
  it('accepts the bundle DESIGN.md shows and resolves extends by id', () => {
    const bundle = PolicyBundleSchema.parse(parse(DESIGN_EXAMPLE));
    const prod = resolveTier(bundle, 'prod');
    expect(prod.metadata.required).toEqual(['team', 'ticket_id']);
    // The child's pii replaces the parent's in place; secrets-out is added after it.
    expect(prod.guardrails.map((g) => [g.id, g.mode])).toEqual([['pii', 'enforce'], ['secrets-out', 'strict']]);
    expect(prod.virtual_models['engineering-assistant']!.targets[1]!.priority).toBe(1);
    const dev = resolveTier(bundle, 'dev');
    expect(dev.metadata.required).toEqual([]);
    expect(dev.rate_limits).toEqual([]);
  });

  it('names the path of an unknown key, a bad value and a missing parent', () => {
    const r = PolicyBundleSchema.safeParse({
      apiVersion: 'gatehouse/v1',
      org: 'acme',
      tiers: { prod: { extends: 'dev', rate_limit: [] , budgets: [{ id: 'b', scope: ['org'], limit: { usd: 5, per: '1x' } }] } },
    });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.code}`);
    expect(issues).toContain('tiers.prod: unrecognized_keys');
    expect(issues).toContain('tiers.prod.budgets.0.scope.0: invalid_format');
    expect(issues).toContain('tiers.prod.budgets.0.limit.per: invalid_format');
  });

  it('refuses an extends cycle and a rate limit with both requests and tokens', () => {
    const r = PolicyBundleSchema.safeParse({
      apiVersion: 'gatehouse/v1',
      org: 'acme',
      tiers: { a: { extends: 'b' }, b: { extends: 'a', rate_limits: [{ id: 'x', limit: { requests: 1, tokens: 1, per: '1m' } }] } },
    });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => i.message).join('\n');
    expect(messages).toMatch(/cycle/);
    expect(messages).toMatch(/exactly one of requests or tokens/);
  });
});
