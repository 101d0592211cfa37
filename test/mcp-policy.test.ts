/**
 * The policy on tool calls through `/mcp`: `mcp_pre_tool` and `mcp_post_tool` run for the
 * active tier (enforced) and the shadow tier (recorded), with Cedar `tool_permissions`, the
 * `sql` check and the pii guardrail redacting a tool result.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, type TestGateway } from './helpers/gateway.js';
import { statelessRequest } from './helpers/mcp-stateless.js';
import { writePolicy } from './helpers/policy.js';
import { STANDIN_SCRIPT, startMcpHttpStandin, type McpHttpStandin } from './standins/mcp-tools.js';

const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    guardrails:
      - id: files-tools
        type: tool_permissions
        hook: mcp_pre_tool
        action: validate
        when: { tools: ["files_*"] }
        config:
          default: allow
          cedar: |
            forbid(principal, action == Action::"crash", resource == Server::"files");
      - id: remote-tools
        type: tool_permissions
        hook: mcp_pre_tool
        action: validate
        when: { tools: ["remote_*"] }
        config:
          cedar: |
            permit(principal, action in [Action::"echo", Action::"query"], resource == Server::"remote");
      - id: read-only-sql
        type: sql
        hook: mcp_pre_tool
        action: validate
      - id: pii-results
        type: pii
        hook: mcp_post_tool
        action: mutate
        config: { entities: [email] }
  prod:
    extends: dev
    guardrails:
      - id: remote-tools
        type: tool_permissions
        hook: mcp_pre_tool
        action: validate
        when: { tools: ["remote_*"] }
        config:
          cedar: |
            permit(principal, action == Action::"query", resource == Server::"remote")
              when { context.metadata has team && context.metadata.team == "data" };
`;

let remote: McpHttpStandin;
let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  remote = await startMcpHttpStandin();
  gw = await startGateway({
    policy: writePolicy(POLICY),
    tiers: { active: 'dev', shadow: ['prod'] },
    mcp: { servers: [{ id: 'files', command: [process.execPath, '--import', 'tsx', STANDIN_SCRIPT] }, { id: 'remote', url: remote.url }] },
  });
  client = new Client({ name: 'test-ide', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}`, 'x-gatehouse-metadata': '{"team":"data"}' } } }));
});
afterAll(async () => {
  await client?.close();
  await gw?.close();
  await remote?.close();
});

type Err = { code: number; message: string; data: Record<string, unknown> };
const refused = (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args }).then(() => null, (e: unknown) => e as Err);
const traceOf = (meta: unknown) => gw.api<Trace>(`/api/traces/${(meta as Record<string, string>)['gatehouse/trace_id']}`);

describe('policy on tool calls', () => {
  it('lets a call through that Cedar permits in every tier', async () => {
    const r = await client.callTool({ name: 'remote_query', arguments: { query: 'SELECT name FROM users' } });
    expect(r.content).toEqual([{ type: 'text', text: 'ran: SELECT name FROM users' }]);
    const t = await traceOf(r._meta);
    expect(t.verdicts.filter((v) => v.decision !== 'allow')).toEqual([]);
  });

  it('refuses a call a Cedar forbid matches, before it reaches the server', async () => {
    const err = (await refused('files_crash'))!;
    expect(err.code).toBe(-32013);
    expect(err.data.gatehouse_code).toBe('GH_ERR_GUARDRAIL_BLOCKED');
    expect(err.message).toContain('files-tools');
    const t = await traceOf(err.data);
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'dev', enforced: true, stage: 'mcp_pre_tool', rule: 'files-tools', decision: 'block' }));
    expect(t.phases.upstream).toBeUndefined();
  });

  it('denies by default what no policy permits in a tier that says so', async () => {
    const err = (await refused('remote_huge', { mb: 0.001 }))!;
    expect(err.data.gatehouse_code).toBe('GH_ERR_GUARDRAIL_BLOCKED');
    const t = await traceOf(err.data);
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'dev', rule: 'remote-tools', decision: 'block', findings: [expect.objectContaining({ type: 'not_permitted' })] }));
  });

  it('records what prod would refuse while dev permits it, and answers the call', async () => {
    const r = await client.callTool({ name: 'remote_echo', arguments: { text: 'hello' } });
    expect(r.content).toEqual([{ type: 'text', text: 'echo: hello' }]);
    expect((r._meta as Record<string, unknown>)['gatehouse/shadow']).toEqual(['prod; would=block; rules=remote-tools']);
    const t = await traceOf(r._meta);
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'prod', enforced: false, stage: 'mcp_pre_tool', rule: 'remote-tools', decision: 'block' }));
    expect(t.verdicts.filter((v) => v.tier === 'dev' && v.decision === 'block')).toEqual([]);
  });

  it.each([
    ['DELETE FROM users', 'write_statement'],
    ["SELECT 1; DROP TABLE users", 'stacked_query'],
    ['WITH gone AS (DELETE FROM users RETURNING *) SELECT * FROM gone', 'write_statement'],
  ])('refuses the SQL %s (%s)', async (query, type) => {
    const err = (await refused('remote_query', { query }))!;
    expect(err.data.gatehouse_code).toBe('GH_ERR_GUARDRAIL_BLOCKED');
    const t = await traceOf(err.data);
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'dev', rule: 'read-only-sql', decision: 'block', findings: expect.arrayContaining([expect.objectContaining({ type })]) }));
  });

  it('lets a read-only query with a ";" inside a string through', async () => {
    const r = await client.callTool({ name: 'remote_query', arguments: { query: "SELECT * FROM notes WHERE body = 'a; DROP TABLE x'" } });
    expect(r.content).toEqual([{ type: 'text', text: "ran: SELECT * FROM notes WHERE body = 'a; DROP TABLE x'" }]);
  });

  it("redacts an email from an upstream's sampling request before the client's model sees it (mcp_post_tool, mutate)", async () => {
    const asked: string[] = [];
    const c = new Client({ name: 'test-ide', version: '1.0.0' }, { capabilities: { sampling: {} } });
    c.setRequestHandler('sampling/createMessage', (req) => {
      asked.push((req.params.messages[0]!.content as { text: string }).text);
      return { role: 'assistant', model: 'ide-model', content: { type: 'text', text: 'done' } };
    });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
    try {
      const r = await c.callTool({ name: 'files_summarize', arguments: { text: 'mail jane.doe@example.com' } });
      expect((r.content as { text: string }[])[0]!.text).toBe('sampled by ide-model: done');
      expect(asked).toEqual(['Summarize: mail <EMAIL_1>']);
      const t = await gw.api<Trace>(`/api/traces/${String((r._meta as Record<string, unknown>)['gatehouse/trace_id'])}`);
      expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'dev', stage: 'mcp_post_tool', rule: 'pii-results', decision: 'mutate' }));
    } finally {
      await c.close();
    }
  });

  it("redacts it too from the questions a stateless 2026-07-28 client is handed as the upstream asked them", async () => {
    const body = await statelessRequest<{ result: { resultType: string; inputRequests: Record<string, { params: { messages: { content: { text: string } }[] } }> } }>(
      gw, 'tools/call', { name: 'files_summarize', arguments: { text: 'mail jane.doe@example.com' } }, { sampling: {} },
    );
    expect(body.result.resultType).toBe('input_required');
    expect(body.result.inputRequests.summary!.params.messages[0]!.content.text).toBe('Summarize: mail <EMAIL_1>');
  });

  it('redacts an email from a tool result (mcp_post_tool, mutate)', async () => {
    const r = await client.callTool({ name: 'files_read_file', arguments: { path: 'README' } });
    const text = (r.content as { text: string }[])[0]!.text;
    expect(text).not.toContain('jane.doe@example.com');
    expect(text).toMatch(/^contents of README: contact <EMAIL_1>$|^contents of README: contact \[redacted/);
    const t = await traceOf(r._meta);
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'dev', stage: 'mcp_post_tool', rule: 'pii-results', decision: 'mutate' }));
    expect(JSON.stringify(t.response_body)).not.toContain('jane.doe@example.com');
  });
});
