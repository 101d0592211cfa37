import { describe, expect, it } from 'vitest';
import { checkPolicyText } from '../../policy/validate.js';
import { sqlFindings } from '../sql/index.js';
import { GuardrailSchema } from '../../policy/schema.js';
import type { RequestFacts } from '../../policy/engine/facts.js';
import { TOOL_PERMISSIONS } from './index.js';

const bundle = (rule: string) => `apiVersion: gatehouse/v1\norg: acme\ntiers:\n  dev:\n    guardrails:\n${rule}`;

describe('policy check on the MCP hooks', () => {
  it('accepts tool_permissions on mcp_pre_tool and pii on mcp_post_tool', () => {
    const r = checkPolicyText(bundle('      - { id: t, type: tool_permissions, hook: mcp_pre_tool, action: validate, config: { cedar: "permit(principal, action, resource);" } }\n      - { id: p, type: pii, hook: mcp_post_tool, action: mutate }\n'), 'p.yaml');
    expect(r.ok).toBe(true);
  });

  it('refuses Cedar that does not parse, at its line', () => {
    const r = checkPolicyText(bundle('      - id: t\n        type: tool_permissions\n        hook: mcp_pre_tool\n        action: validate\n        config:\n          cedar: "permit(principal, action resource);"\n'), 'p.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ line: 11, path: 'tiers.dev.guardrails[0].config.cedar', message: expect.stringContaining('do not parse') });
  });

  it('refuses rules that name tools but could never act on a tool call, at their field', () => {
    const text = `apiVersion: gatehouse/v1\norg: acme\ntiers:\n  dev:\n    guardrails:\n      - { id: g, type: pii, hook: llm_input, action: validate, when: { tools: ["a_*"] } }\n    rate_limits:\n      - { id: r, when: { tools: ["a_*"] }, limit: { tokens: 10, per: 1h } }\n    budgets:\n      - { id: b, when: { tools: ["a_*"] }, limit: { usd: 1, per: month } }\n`;
    const r = checkPolicyText(text, 'p.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems.map((p) => [p.path, p.line])).toEqual([
        ['tiers.dev.guardrails[0].when.tools', 6],
        ['tiers.dev.rate_limits[0].limit.tokens', 8],
        ['tiers.dev.budgets[0].when.tools', 10],
      ]);
      expect(r.problems[0]!.message).toContain('put it on mcp_pre_tool or mcp_post_tool');
    }
  });

  it('refuses a tool-only type on an LLM hook', () => {
    const r = checkPolicyText(bundle('      - { id: s, type: sql, hook: llm_input, action: validate }\n'), 'p.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ path: 'tiers.dev.guardrails[0].hook', message: expect.stringContaining('runs on mcp_pre_tool, not llm_input') });
  });
});

describe('sql', () => {
  const types = (q: string) => sqlFindings(q, ['select', 'with', 'explain', 'show', 'describe', 'values'], 0).map((f) => f.type);
  it.each([
    ['SELECT * FROM t', []],
    ['select 1;', []],
    ["SELECT 'x; DELETE FROM t' AS s", []],
    ['SELECT 1 -- ; drop table t', []],
    ['UPDATE t SET a = 1', ['write_statement']],
    ['SELECT 1; SELECT 2', ['stacked_query']],
    ['SELECT * INTO backup FROM t', ['write_statement']],
    ['/* hi */ DROP TABLE t', ['write_statement']],
    // Writing words that are data or names, not keywords.
    ["SELECT E'don\\'t call' FROM t", []],
    ['SELECT $fn$ insert into t $fn$ AS body', []],
    ['SELECT [into] FROM t', []],
    ['SELECT c.call, c.copy FROM calls c', []],
    ['SELECT count(*) AS call FROM t', []],
    ['SELECT * FROM logs.copy', []],
    ['SELECT call_id, into_date FROM t', []],
    ['SHOW CREATE TABLE t', []],
    // And the keywords still count where they are keywords.
    ['SELECT c.call INTO backup FROM calls c', ['write_statement']],
    ['EXPLAIN ANALYZE DELETE FROM t', ['write_statement']],
    ["SELECT 1 FROM t WHERE name LIKE'%\\'; DROP TABLE t; --'", ['stacked_query', 'write_statement']],
    ['SELECT foo$a$; DROP TABLE t; --$a$', ['stacked_query', 'write_statement']],
  ])('%s → %j', (q, expected) => {
    expect(types(q)).toEqual(expected);
  });
});

describe('tool_permissions decisions', () => {
  const facts = (user: string, tool: string, args: Record<string, unknown> = {}): RequestFacts => ({
    api: 'mcp', model: '', resolvedModel: null, user, team: 'payments', metadata: {}, input: [], output: null, estimatedTokens: 0, tokensIn: null, tokensOut: null, at: 0,
    tool: { server: 'db', name: tool, exposed: `db_${tool}`, arguments: args },
  });
  const check = (cedar: string) => {
    const rule = GuardrailSchema.parse({ id: 't', type: 'tool_permissions', hook: 'mcp_pre_tool', action: 'validate', config: { cedar } });
    const c = TOOL_PERMISSIONS.create(TOOL_PERMISSIONS.config.parse(rule.config), rule);
    return (f: RequestFacts) => (c.scan([], { facts: f, paths: [] }) as { type: string }[]).map((x) => x.type);
  };

  it('decides each caller and tool on its own when the policies read no context (decisions are kept per caller, tool and server)', () => {
    const scan = check('permit(principal == User::"ann", action == Action::"query", resource);');
    for (let i = 0; i < 3; i++) {
      expect(scan(facts('ann', 'query'))).toEqual([]);
      expect(scan(facts('bob', 'query'))).toEqual(['not_permitted']);
      expect(scan(facts('ann', 'drop'))).toEqual(['not_permitted']);
    }
  });

  it('decides every call again when a policy reads the arguments', () => {
    const scan = check('permit(principal, action, resource) when { context.arguments.table == "orders" };');
    expect(scan(facts('ann', 'query', { table: 'orders' }))).toEqual([]);
    expect(scan(facts('ann', 'query', { table: 'salaries' }))).toEqual(['not_permitted']);
    expect(scan(facts('ann', 'query', { table: 'orders' }))).toEqual([]);
  });
});
