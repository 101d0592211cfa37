import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { makeTrace } from '../store/testing.js';
import { formatReplay, replayTraces, unknownIn } from './replay.js';
import { PolicyBundleSchema, type Verdict } from './schema.js';
import type { Trace } from '../store/schema.js';

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

describe('replay and remote guardrails', () => {
  it('leaves remote guardrails out, never calls their service, and names them', async () => {
    let calls = 0;
    const service = createServer((_req, res) => {
      calls++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [{ flagged: true, categories: { harassment: true }, category_scores: { harassment: 1 } }] }));
    });
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    const { port } = service.address() as AddressInfo;
    process.env.GH_REPLAY_TEST_KEY = 'k';
    try {
      const withRemote = PolicyBundleSchema.parse({
        apiVersion: 'gatehouse/v1',
        org: 'acme',
        version: 3,
        tiers: {
          dev: {
            guardrails: [
              { id: 'words', type: 'deny_regex', hook: 'llm_input', action: 'validate', config: { patterns: ['secret'] } },
              { id: 'mod', type: 'openai_moderation', hook: 'llm_input', action: 'validate', config: { base_url: `http://127.0.0.1:${port}/v1`, api_key: 'env:GH_REPLAY_TEST_KEY' } },
            ],
          },
        },
      });
      // Recorded: the moderation rule blocked this one when it was served.
      const flagged = makeTrace({ request_body: ask('my secret'), verdicts: [v({ stage: 'input_guardrails', rule: 'mod' })] });
      const report = await replayTraces(withRemote, [flagged], { tiers: ['dev'] }, true);
      expect(calls).toBe(0);
      expect(report.not_replayed).toEqual(['dev/mod']);
      expect(report.rules.map((r) => r.rule)).toEqual(['words']);
      expect(formatReplay(report)).toContain('Not replayed (remote guardrails, which would send stored prompts to their service): dev/mod.');
    } finally {
      delete process.env.GH_REPLAY_TEST_KEY;
      service.close();
    }
  });
});

describe('replay of tool calls', () => {
  const candidate = PolicyBundleSchema.parse({
    apiVersion: 'gatehouse/v1',
    org: 'acme',
    version: 3,
    tiers: {
      dev: {
        tools: { allow: ['db_*'], deny: ['db_drop_*'] },
        guardrails: [
          { id: 'read-only', type: 'sql', hook: 'mcp_pre_tool', action: 'validate' },
          { id: 'pii-results', type: 'pii', hook: 'mcp_post_tool', action: 'mutate', config: { entities: ['email'] } },
        ],
      },
    },
  });
  const call = (name: string, args: Record<string, unknown>, result: unknown, over: Partial<Trace> = {}) =>
    makeTrace({
      api: 'mcp', path: '/mcp', requested_model: null, resolved_model: null, provider: null, tokens_in: null, tokens_out: null, cost_usd: null,
      phases: { route: 0.01, mcp_pre_tool: 0.1, upstream: 2 },
      tool: { server: 'db', name, exposed: `db_${name}` },
      request_body: { name: `db_${name}`, arguments: args },
      response_body: result,
      ...over,
    });
  const text = (t: string) => ({ content: [{ type: 'text', text: t }] });

  it('replays access and both hooks on the stored arguments and result, never the stages the trace cannot tell', async () => {
    const write = call('query', { query: 'DELETE FROM users' }, text('3 rows'));
    const drop = call('drop_table', { table: 'users' }, text('dropped'));
    const email = call('read', { path: 'a.txt' }, text('mail jane.doe@example.com'));
    // The active tier redacted this result before it was stored: what it said is lost.
    const redacted = call('read', { path: 'b.txt' }, text('mail <EMAIL_1>'), { verdicts: [v({ stage: 'mcp_post_tool', rule: 'old-pii', decision: 'mutate' })] });
    const unknownTool = call('nothing', {}, { error: { code: -32602, message: 'no such tool' } }, { tool: null, status: 404 });
    const report = await replayTraces(candidate, [write, drop, email, redacted, unknownTool], { tiers: ['dev'] }, true);
    const rule = (name: string) => report.rules.find((r) => r.rule === name);
    expect(report.traces).toBe(4);
    expect(report.not_evaluated).toBe(1);
    expect(rule('read-only')).toMatchObject({ stage: 'mcp_pre_tool', effect: 'blocked', newly: 1, examples: { newly: [write.id] } });
    expect(rule('tools.deny')).toMatchObject({ stage: 'tool_access', effect: 'blocked', newly: 1, examples: { newly: [drop.id] } });
    expect(rule('pii-results')).toMatchObject({ stage: 'mcp_post_tool', effect: 'mutated', after: 1, newly: 1, examples: { newly: [email.id] } });
    expect(rule('old-pii')).toMatchObject({ before: 1, no_longer: 0 });
    expect(report.tiers).toEqual([{ tier: 'dev', blocked_before: 0, blocked_after: 2 }]);
  });
});

describe('replay of prompt and resource fetches', () => {
  const candidate = PolicyBundleSchema.parse({
    apiVersion: 'gatehouse/v1',
    org: 'acme',
    tiers: {
      prod: {
        resources: { deny: ['file:///repo/.env*'] },
        guardrails: [{ id: 'pii-out', type: 'pii', hook: 'mcp_post_tool', action: 'mutate', config: { entities: ['email'] } }],
      },
    },
  });
  const read = (uri: string, text: string) =>
    makeTrace({
      api: 'mcp', method: 'resources/read', path: '/mcp', requested_model: null, resolved_model: null, provider: 'files', tokens_in: null, tokens_out: null, cost_usd: null,
      phases: { route: 0.01, upstream: 1 },
      tool: { server: 'files', name: uri, exposed: uri, kind: 'resource' },
      request_body: { uri },
      response_body: { contents: [{ uri, mimeType: 'text/plain', text }] },
    });

  it("replays the tier's resources lists and mcp_post_tool on the stored contents", async () => {
    const env = read('file:///repo/.env', 'TOKEN=x');
    const contact = read('file:///repo/OWNERS', 'jane.doe@example.com');
    const plain = read('file:///repo/README', 'hello');
    const report = await replayTraces(candidate, [env, contact, plain], { tiers: ['prod'] }, true);
    const rule = (name: string) => report.rules.find((r) => r.rule === name);
    expect(report.traces).toBe(3);
    expect(report.not_evaluated).toBe(0);
    expect(rule('resources.deny')).toMatchObject({ stage: 'tool_access', effect: 'blocked', newly: 1, examples: { newly: [env.id] } });
    expect(rule('pii-out')).toMatchObject({ stage: 'mcp_post_tool', effect: 'mutated', newly: 1, examples: { newly: [contact.id] } });
    expect(report.tiers).toEqual([{ tier: 'prod', blocked_before: 0, blocked_after: 1 }]);
  });
});
