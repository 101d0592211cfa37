import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { diffTiers, periodSeconds } from './diff.js';
import { PolicyBundleSchema, resolveTier } from './schema.js';

const BUNDLE = PolicyBundleSchema.parse(
  parse(`
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    models: { allow: ["*"] }
    rate_limits:
      - { id: per-user, scope: [user], limit: { requests: 1000, per: 1h }, mode: audit }
      - { id: ide, when: { metadata: { surface: ide-agent } }, scope: [user], limit: { tokens: 100000, per: 1h } }
    guardrails:
      - { id: secrets, type: deny_regex, hook: llm_input, action: validate, mode: audit, config: { patterns: ["sk-"] } }
    logging: { bodies: full, retention_days: 30 }
  prod:
    extends: dev
    metadata: { required: [ticket_id] }
    models: { allow: ["openai/*", "assistant"], deny: ["openai/o1*"] }
    virtual_models:
      assistant: { targets: [{ model: openai/gpt-4o-mini }, { model: up/other, priority: 1 }] }
    rate_limits:
      - { id: ide, when: { metadata: { surface: ide-agent } }, scope: [user], limit: { tokens: 2000000, per: day } }
      - { id: per-user, scope: [user], limit: { requests: 10, per: 1m }, mode: enforce }
      - { id: per-team, scope: [team], limit: { requests: 5000, per: day } }
    budgets:
      - { id: team-month, scope: [metadata.team], limit: { usd: 500, per: month }, mode: audit }
    guardrails:
      - { id: secrets, type: deny_regex, hook: llm_input, action: validate, mode: strict, config: { patterns: ["sk-"] } }
    logging: { bodies: redacted, retention_days: 30 }
`),
);

const dev = resolveTier(BUNDLE, 'dev');
const prod = resolveTier(BUNDLE, 'prod');
const rows = (d: ReturnType<typeof diffTiers>) => d.changes.map((c) => `${c.section} ${c.rule} ${c.change}: ${c.detail}`);

describe('diffTiers', () => {
  it('names, rule by rule, what prod adds and tightens over dev', () => {
    const d = diffTiers(dev, prod);
    expect(d.from).toBe('dev');
    expect(d.to).toBe('prod');
    expect(rows(d)).toEqual([
      'metadata metadata.ticket_id added: prod requires metadata key ticket_id',
      'models models.allow tightened: prod no longer lists "*" (allows openai/*, assistant)',
      // Both are narrower than the "*" dev had: listed, not loosened.
      'models models.allow changed: prod also lists "openai/*"',
      'models models.allow changed: prod also lists "assistant"',
      'models models.deny tightened: prod denies "openai/o1*"',
      'virtual_models assistant added: prod routes assistant to openai/gpt-4o-mini → up/other',
      // 10 per minute is 600 per hour: compared as rates, not as numbers.
      'rate_limits per-user tightened: limit lowered from 1000 requests per 1h to 10 requests per 1m',
      'rate_limits per-user tightened: mode escalated from audit to enforce',
      // 100k/h is 2.4M/day: 2M/day is lower even though the number is larger.
      'rate_limits ide tightened: limit lowered from 100000 tokens per 1h to 2000000 tokens per day',
      'rate_limits per-team added: rate limit 5000 requests per day for each team on every request (enforce)',
      'budgets team-month added: budget $500 per month for each metadata.team on every request (audit)',
      'guardrails secrets tightened: mode escalated from audit to strict',
      'logging logging.bodies tightened: bodies are logged redacted (was full)',
    ]);
    expect(d.counts).toEqual({ added: 4, removed: 0, tightened: 7, loosened: 0, changed: 2 });
    // The added virtual model only routes a name: a change, not a tightening.
    expect(d.summary).toEqual({ tighten: 10, loosen: 0, change: 3 });
  });

  it('reads the other way as loosening and removal, and a tier against itself as no change', () => {
    const back = diffTiers(prod, dev);
    expect(rows(back)).toContain('metadata metadata.ticket_id removed: dev no longer requires metadata key ticket_id');
    expect(rows(back)).toContain('models models.allow loosened: dev also lists "*"');
    expect(rows(back)).toContain('rate_limits per-user loosened: mode relaxed from enforce to audit');
    expect(rows(back)).toContain('rate_limits per-team removed: no longer has rate limit 5000 requests per day for each team on every request (enforce)');
    expect(diffTiers(prod, prod).changes).toEqual([]);
  });

  it('names a rate limit that moved: the first match wins, so order is policy', () => {
    const b = PolicyBundleSchema.parse({
      apiVersion: 'gatehouse/v1',
      org: 'acme',
      tiers: {
        a: { rate_limits: [{ id: 'x', limit: { requests: 5, per: '1m' } }, { id: 'y', limit: { requests: 5, per: '1m' } }] },
        b: { rate_limits: [{ id: 'y', limit: { requests: 5, per: '1m' } }, { id: 'x', limit: { requests: 300, per: '1h' } }] },
      },
    });
    expect(rows(diffTiers(resolveTier(b, 'a'), resolveTier(b, 'b')))).toEqual([
      'rate_limits y changed: moved from position 2 to 1 (the first matching rate limit wins)',
      'rate_limits x changed: limit rewritten from 5 requests per 1m to 300 requests per 1h (the same rate)',
      'rate_limits x changed: moved from position 1 to 2 (the first matching rate limit wins)',
    ]);
  });

  it('compares windows as rates, calendar periods included', () => {
    expect(periodSeconds('90s')).toBe(90);
    expect(periodSeconds('2h')).toBe(7200);
    expect(periodSeconds('week')).toBe(604_800);
    expect(periodSeconds('month')).toBe(30 * 86_400);
  });
});

describe('diffTiers on MCP prompts and resources', () => {
  it('reports a prompts allow list narrowed and a resources deny added as tightening', () => {
    const b = PolicyBundleSchema.parse({
      apiVersion: 'gatehouse/v1',
      org: 'acme',
      tiers: { dev: {}, prod: { prompts: { allow: ['docs_*'] }, resources: { deny: ['file:///repo/.env*'] } } },
    });
    const d = diffTiers(resolveTier(b, 'dev'), resolveTier(b, 'prod'));
    expect(d.changes).toContainEqual(expect.objectContaining({ section: 'prompts', rule: 'prompts.allow', change: 'tightened' }));
    expect(d.changes).toContainEqual(expect.objectContaining({ section: 'resources', rule: 'resources.deny', change: 'tightened' }));
    expect(d.summary.loosen).toBe(0);
  });
});
